/**
 * An optional trace of the engine's stages for the parity harness (models/parity), off unless the
 * environment asks for it (read once, when the engine is created):
 *
 *   CLEANPLATE_PROPAINTER_TRACE=<dir>         each run writes <dir>/timings.json: seconds per stage
 *                                             (orchestrator.ts StageSeconds), wall and CPU seconds
 *                                             per graph, frames, the run's wall time and the
 *                                             process's CPU time
 *   CLEANPLATE_PROPAINTER_TRACE_TENSORS=1     also every stage's results, one raw little-endian file
 *                                             per item (<stage>_<index>.f32 / .u8) plus tensors.json
 *                                             with each stage's item shape
 *
 * Stages written: raft_forward / raft_backward and completed_forward / completed_backward [2, H, W]
 * per flow pair, propagated [3, H, W], propagated_masks and masks (the dilated hole) [H, W] per frame, window [L, 3, H, W] per
 * transformer window (before averaging), final [H, W, 3] per frame. Writing is synchronous and
 * happens outside the timed stages.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { GraphName } from '../../../models/contract';
import type { StageObserver, StageSeconds } from './orchestrator';

export interface TraceSettings {
  dir: string;
  tensors: boolean;
}

export function traceSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): TraceSettings | null {
  const dir = env.CLEANPLATE_PROPAINTER_TRACE;
  if (!dir) return null;
  return { dir: path.resolve(dir), tensors: env.CLEANPLATE_PROPAINTER_TRACE_TENSORS === '1' };
}

export interface RunTrace {
  observer: StageObserver;
  /** Adds one graph call's wall and CPU seconds (CPU: the whole process, onnxruntime's threads included). */
  graph(name: GraphName, seconds: number, cpuSeconds: number): void;
  /** Writes timings.json (and tensors.json). */
  finish(stages: StageSeconds, frames: number, wallSeconds: number): void;
}

export function startTrace(settings: TraceSettings, size: { width: number; height: number }): RunTrace {
  const { dir, tensors } = settings;
  mkdirSync(dir, { recursive: true });
  const { width: W, height: H } = size;
  const shapes: Record<string, number[]> = {};
  const graphs: Record<string, { calls: number; seconds: number; cpuSeconds: number }> = {};
  const write = (stage: string, index: number, shape: number[], data: Float32Array | Uint8Array) => {
    shapes[stage] = shape;
    const ext = data instanceof Float32Array ? 'f32' : 'u8';
    writeFileSync(path.join(dir, `${stage}_${String(index).padStart(5, '0')}.${ext}`), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  };
  const observer: StageObserver = tensors
    ? {
        rawFlow: (k, f) => {
          write('raft_forward', k, [2, H, W], f.forward);
          write('raft_backward', k, [2, H, W], f.backward);
        },
        completedFlow: (k, f) => {
          write('completed_forward', k, [2, H, W], f.forward);
          write('completed_backward', k, [2, H, W], f.backward);
        },
        propagated: (p, f) => {
          write('propagated', p, [3, H, W], f.planar);
          write('propagated_masks', p, [H, W], f.updatedMask);
          write('masks', p, [H, W], f.mask);
        },
        window: (w, local, prediction) => write('window', w, [local.length, 3, H, W], prediction),
        final: (p, rgb) => write('final', p, [H, W, 3], rgb),
      }
    : {};
  return {
    observer,
    graph(name, seconds, cpuSeconds) {
      const g = (graphs[name] ??= { calls: 0, seconds: 0, cpuSeconds: 0 });
      g.calls++;
      g.seconds += seconds;
      g.cpuSeconds += cpuSeconds;
    },
    finish(stages, frames, wallSeconds) {
      // the process's CPU time so far (all threads): on a busy machine, a fairer figure than wall time
      const { user, system } = process.cpuUsage();
      const processCpuSeconds = (user + system) / 1e6;
      writeFileSync(path.join(dir, 'timings.json'), JSON.stringify({ frames, width: W, height: H, wallSeconds, processCpuSeconds, stages, graphs }, null, 1));
      if (tensors) writeFileSync(path.join(dir, 'tensors.json'), JSON.stringify(shapes, null, 1));
    },
  };
}
