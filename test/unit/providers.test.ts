// Execution provider order and messages, for the machines this one is not.
import { describe, expect, it } from 'vitest';
import { firstLine, openWithFallback, providerCandidates, type ProviderEnvironment } from '../../main/engine/engines/propainter/providers';

const backends = (...names: string[]) => names.map((name) => ({ name, bundled: name !== 'cuda' }));
const env = (platform: NodeJS.Platform, names: string[], cudaInstalled = false): ProviderEnvironment => ({ platform, backends: backends(...names), cudaInstalled });

describe('provider candidates', () => {
  it('auto: CUDA only when its files are installed, then DirectML (Windows), CoreML (macOS), WebGPU, CPU', () => {
    expect(providerCandidates('auto', env('linux', ['cpu', 'webgpu', 'cuda', 'tensorrt']))).toEqual(['webgpu', 'cpu']);
    expect(providerCandidates('auto', env('linux', ['cpu', 'webgpu', 'cuda'], true))).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(providerCandidates('auto', env('win32', ['cpu', 'dml', 'webgpu']))).toEqual(['dml', 'webgpu', 'cpu']);
    expect(providerCandidates('auto', env('darwin', ['cpu', 'coreml', 'webgpu']))).toEqual(['coreml', 'webgpu', 'cpu']);
    expect(providerCandidates('auto', env('linux', ['cpu']))).toEqual(['cpu']);
  });

  it('a forced device is the only candidate, or one clear line when it cannot exist here', () => {
    expect(providerCandidates('cpu', env('linux', ['cpu']))).toEqual(['cpu']);
    expect(providerCandidates('dml', env('win32', ['cpu', 'dml']))).toEqual(['dml']);
    expect(() => providerCandidates('dml', env('linux', ['cpu', 'webgpu']))).toThrow('the DirectML device is not available in this build on linux; choose --device auto or cpu');
    expect(() => providerCandidates('cuda', env('linux', ['cpu', 'cuda']))).toThrow(/^the CUDA files for onnxruntime-node are not installed/);
  });
});

describe('fallback', () => {
  it('hands over to the next provider with a notice, and reports the last failure as one line', async () => {
    const notices: string[] = [];
    const r = await openWithFallback(['cuda', 'webgpu', 'cpu'], async (p) => {
      if (p !== 'cpu') throw new Error(`${p} broke\nstack`);
      return 42;
    }, (m) => notices.push(m));
    expect(r).toEqual({ provider: 'cpu', value: 42 });
    expect(notices).toEqual(['CUDA could not start (cuda broke); using WebGPU instead', 'WebGPU could not start (webgpu broke); using CPU instead']);
    await expect(openWithFallback(['webgpu', 'cpu'], async () => { throw new Error('no'); }, () => {})).rejects.toThrow('no device could run the ProPainter models (CPU: no)');
  });

  it('keeps only the useful part of onnxruntime messages', () => {
    const msg = '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters\n';
    expect(firstLine(new Error(msg))).toBe('Failed to get a WebGPU adapter: No supported adapters');
    expect(firstLine(new Error('OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library'))).toBe('OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library');
  });
});
