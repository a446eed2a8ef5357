/**
 * Choosing onnxruntime's execution provider. `auto` tries, in order: CUDA (only when its provider
 * library was installed next to onnxruntime-node's binding), DirectML on Windows, CoreML on macOS,
 * WebGPU (when the build has it), then the CPU; a provider that fails to start hands over to the
 * next with a one-line notice. A forced device uses that provider only and fails with one line.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { UserError } from '../../../../common/errors';
import type { Device } from '../../../../common/project/schema';

export type ProviderName = 'cuda' | 'dml' | 'coreml' | 'webgpu' | 'cpu';

export interface Backend {
  name: string;
  bundled: boolean;
}

export interface ProviderEnvironment {
  platform: NodeJS.Platform;
  /** onnxruntime-node's listSupportedBackends(). */
  backends: readonly Backend[];
  /** Whether the CUDA provider library is present (it is fetched at install time, not bundled). */
  cudaInstalled: boolean;
}

const LABEL: Record<ProviderName, string> = { cuda: 'CUDA', dml: 'DirectML', coreml: 'CoreML', webgpu: 'WebGPU', cpu: 'CPU' };

export function providerLabel(p: ProviderName): string {
  return LABEL[p];
}

/** Providers that run the fp16 graphs in half precision (the CPU does not, as upstream forces fp32 there). */
export function supportsFp16(p: ProviderName): boolean {
  return p !== 'cpu';
}

/** Whether onnxruntime-node's CUDA provider library sits next to its binding (install script fetched it). */
export function cudaProviderInstalled(bindingDir: string | null): boolean {
  if (!bindingDir) return false;
  return ['libonnxruntime_providers_cuda.so', 'onnxruntime_providers_cuda.dll'].some((f) => existsSync(path.join(bindingDir, f)));
}

/** The folder holding onnxruntime-node's native binding for this platform, or null. */
export function onnxruntimeBindingDir(): string | null {
  try {
    const pkg = path.dirname(createRequire(__filename).resolve('onnxruntime-node/package.json'));
    return path.join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return null;
  }
}

/** The providers to try, in order. Throws a one-line UserError when a forced device cannot exist here. */
export function providerCandidates(device: Device, env: ProviderEnvironment): ProviderName[] {
  const listed = (name: string) => env.backends.some((b) => b.name === name);
  if (device === 'auto') {
    const out: ProviderName[] = [];
    if (listed('cuda') && env.cudaInstalled) out.push('cuda');
    if (env.platform === 'win32' && listed('dml')) out.push('dml');
    if (env.platform === 'darwin' && listed('coreml')) out.push('coreml');
    if (listed('webgpu')) out.push('webgpu');
    out.push('cpu');
    return out;
  }
  if (device === 'cpu') return ['cpu'];
  if (device === 'cuda' && listed('cuda') && !env.cudaInstalled)
    throw new UserError('unsupported', 'the CUDA files for onnxruntime-node are not installed (reinstall without ONNXRUNTIME_NODE_INSTALL=skip on a Linux x64 machine with CUDA 12); choose --device auto or cpu');
  if (!listed(device)) throw new UserError('unsupported', `the ${LABEL[device]} device is not available in this build on ${env.platform}; choose --device auto or cpu`);
  return [device];
}

/**
 * The useful part of an onnxruntime error, on one line: without the source location, the C++
 * function signature and the failed-assertion text ("... was false.").
 */
export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  let line = (text.split('\n').find((l) => l.trim()) ?? text).trim();
  line = line.replace(/^\S+\.(cc|cpp|h):\d+\s+/, '');
  line = line.replace(/^[\w:~<>]+\(.*?\)(::<lambda\(\)>)?\s+/, '');
  const assertion = /\bwas false\.\s*(.+)$/.exec(line);
  if (assertion) line = assertion[1]!;
  return line.slice(0, 200);
}

/**
 * Opens something (the model sessions) with each candidate in turn until one works. A failure is a
 * notice and a hand-over to the next candidate; with a single (forced) candidate it is a UserError.
 */
export async function openWithFallback<T>(candidates: readonly ProviderName[], open: (p: ProviderName) => Promise<T>, notice: (message: string) => void): Promise<{ provider: ProviderName; value: T }> {
  for (let i = 0; i < candidates.length; i++) {
    const provider = candidates[i]!;
    try {
      return { provider, value: await open(provider) };
    } catch (err) {
      if (err instanceof UserError) throw err;
      const why = firstLine(err);
      if (candidates.length === 1) throw new UserError('unsupported', `the ${LABEL[provider]} device could not start (${why}); choose --device auto or cpu`);
      if (i + 1 < candidates.length) notice(`${LABEL[provider]} could not start (${why}); using ${LABEL[candidates[i + 1]!]} instead`);
      else throw new UserError('engine', `no device could run the ProPainter models (${LABEL[provider]}: ${why})`);
    }
  }
  throw new UserError('engine', 'no device could run the ProPainter models');
}
