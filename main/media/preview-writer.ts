/**
 * Preview JPEGs for the UI while a job runs: `<dir>/<index, 6 digits>.jpg` per final frame, scaled to
 * fit the asked-for box. One ffmpeg process encodes them all (a spawn per frame would cost more than
 * the engine): raw frames go in, an MJPEG stream comes out, cut into files by JpegStreamSplitter, and
 * each is written under a temporary name, then renamed, so the UI never reads half a file.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { JpegStreamSplitter } from './jpeg-stream';
import { startTool, writeWithBackpressure, type ToolProcess } from './process';

export interface PreviewWriter {
  /** Writes the preview of frame `index` and resolves once its file is in place. */
  write(index: number, rgb: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export function previewName(index: number): string {
  return `${String(index).padStart(6, '0')}.jpg`;
}

/** The preview size: fit into the box, never upscale, even sides (yuvj420p). */
export function previewSize(width: number, height: number, maxWidth: number, maxHeight: number): { width: number; height: number } {
  const scale = Math.min(1, maxWidth / width, maxHeight / height);
  const even = (v: number) => Math.max(2, 2 * Math.round((v * scale) / 2));
  return { width: even(width), height: even(height) };
}

export async function createPreviewWriter(dir: string, width: number, height: number, box: { maxWidth: number; maxHeight: number }, signal: AbortSignal): Promise<PreviewWriter> {
  await mkdir(dir, { recursive: true });
  const size = previewSize(width, height, box.maxWidth, box.maxHeight);
  const proc: ToolProcess = startTool(
    'ffmpeg',
    [
      '-hide_banner', '-loglevel', 'error', '-nostats',
      '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-framerate', '25', '-i', 'pipe:0',
      '-vf', `scale=${size.width}:${size.height}:flags=area,format=yuvj420p`,
      // A frame-threaded encoder holds a frame back until the next arrives; one thread answers at once.
      '-c:v', 'mjpeg', '-q:v', '4', '-threads', '1', '-f', 'image2pipe', 'pipe:1',
    ],
    { stdin: true, stdout: true, signal },
  );

  const ready: Buffer[] = [];
  const waiting: Array<{ resolve: (jpeg: Buffer) => void; reject: (err: Error) => void }> = [];
  const splitter = new JpegStreamSplitter();
  let ended: Error | null = null;
  proc.stdout!.on('data', (chunk: Buffer) => {
    for (const jpeg of splitter.push(chunk)) {
      const w = waiting.shift();
      if (w) w.resolve(jpeg);
      else ready.push(jpeg);
    }
  });
  void proc.exited.then(() => {
    ended = new Error(`the preview encoder stopped: ${proc.stderrTail().trim().split('\n').pop() ?? ''}`);
    for (const w of waiting.splice(0)) w.reject(ended);
  });
  const nextJpeg = () =>
    ready.length
      ? Promise.resolve(ready.shift()!)
      : ended
        ? Promise.reject(ended)
        : new Promise<Buffer>((resolve, reject) => waiting.push({ resolve, reject }));

  return {
    async write(index, rgb) {
      await writeWithBackpressure(proc.stdin!, rgb);
      const jpeg = await nextJpeg();
      const file = path.join(dir, previewName(index));
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, jpeg);
      await rename(tmp, file);
    },
    async close() {
      proc.stdin?.end();
      proc.kill();
      await proc.exited;
    },
  };
}
