/**
 * Messages between a host (Electron main, web host) and the engine process. The same module runs
 * as an Electron utilityProcess (process.parentPort) and as a Node child process (process.send).
 * Plain JSON only: frames travel as files in the cache, never through these messages.
 */
import type { PropagatedKeyPatch } from '../../common/contract/types';
import type { ErrorInfo } from '../../common/errors';
import type { BuildResult } from '../models/build';
import type { ProjectDoc } from '../../common/project/schema';
import type { EngineDiagnostics } from './diagnostics';
import type { JobResult, JobSpec, JobStartInfo } from './job';
import type { MaskExportResult } from './mask-export';

export interface PropagateSpec {
  doc: ProjectDoc;
  layerId: string;
  shapeId: string | null;
  fromFrame: number;
  toFrame: number;
  keyEvery: number;
}

export type HostToEngine =
  | { type: 'run'; jobId: string; spec: JobSpec }
  | { type: 'propagate'; jobId: string; spec: PropagateSpec }
  /** Writes the combined mask of every frame of `doc` as PNGs into `dir` (main/engine/mask-export.ts). */
  | { type: 'exportMasks'; jobId: string; doc: ProjectDoc; dir: string }
  /** Reports onnxruntime's version and which execution providers load here (engine/diagnostics.ts). */
  | { type: 'diagnose'; jobId: string }
  /** Builds ProPainter's graphs from the verified weights in the models folder `dir` (main/models/build.ts). */
  | { type: 'buildModels'; jobId: string; dir: string }
  | { type: 'cancel'; jobId: string }
  | { type: 'shutdown' };

export type EngineToHost =
  | { type: 'ready'; pid: number }
  | { type: 'started'; jobId: string; info: JobStartInfo }
  | { type: 'progress'; jobId: string; stage: string; done: number; total: number }
  /** `reused`: copied from the earlier result the job was given, not computed (JobHooks.frame). */
  | { type: 'frame'; jobId: string; index: number; reused?: boolean }
  | { type: 'notice'; jobId: string; message: string }
  /** Mask propagation produced a key: `patch` is the layer edit (see main/engine/mask-propagation.ts). */
  | { type: 'propagatedKey'; jobId: string; frame: number; patch: PropagatedKeyPatch }
  | { type: 'done'; jobId: string; result: JobResult }
  | { type: 'masksExported'; jobId: string; result: MaskExportResult }
  | { type: 'diagnosed'; jobId: string; result: EngineDiagnostics }
  | { type: 'modelsBuilt'; jobId: string; result: BuildResult }
  | { type: 'cancelled'; jobId: string }
  | { type: 'error'; jobId: string; error: ErrorInfo };
