// Shared fixtures for the renderer's unit tests (not a test file itself).
import type { MediaInfo } from '../../common/contract/types';
import { createProject } from '../../common/project/create';
import type { ProjectDoc } from '../../common/project/schema';
import { createEditorStore, editorOps } from '../../renderer/state/store';

export function testDoc(frames = 100): ProjectDoc {
  return createProject({ path: '/clips/test.mp4', width: 640, height: 360, fps: { num: 25, den: 1 }, frameCount: frames }, '2025-01-01T00:00:00.000Z', 'test');
}

export function testMedia(doc: ProjectDoc): MediaInfo {
  return {
    mediaId: 'abcdef0123456789',
    proxy: { width: doc.source.width, height: doc.source.height },
    probe: {
      path: doc.source.path,
      container: 'mp4',
      codec: 'h264',
      codedWidth: doc.source.width,
      codedHeight: doc.source.height,
      width: doc.source.width,
      height: doc.source.height,
      rotation: 0,
      fps: doc.source.fps,
      vfr: false,
      frameCount: doc.source.frameCount,
      durationSec: doc.source.frameCount / 25,
      pixelFormat: 'yuv420p',
      bitDepth: 8,
      color: { range: null, space: null, transfer: null, primaries: null },
      audio: [],
      isImageSequence: false,
    },
  };
}

/** A store with a fresh project loaded, and its operations. */
export function editorWithProject(frames = 100) {
  const store = createEditorStore();
  const ops = editorOps(store);
  const doc = testDoc(frames);
  ops.loadProject(doc, testMedia(doc), null);
  return { store, ops, doc };
}
