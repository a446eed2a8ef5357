/**
 * What onnxruntime can do on this machine, for `cleanplate doctor` and the About box: its version and,
 * for every execution provider this build lists, whether a session with it actually loads here (a
 * one-node Identity graph is created with that provider alone). Runs where onnxruntime may be
 * loaded: the CLI, or an engine process, never the app's main process.
 */
import { createRequire } from 'node:module';
import { onnx } from 'onnx-proto';
import { cudaProviderInstalled, firstLine, onnxruntimeBindingDir } from './engines/propainter/providers';

export interface ProviderCheck {
  name: string;
  loads: boolean;
  /** Why it does not load (one line), or "" when it does. */
  detail: string;
}

export interface EngineDiagnostics {
  onnxruntime: { version: string | null; providers: ProviderCheck[]; error: string | null };
}

/** The smallest graph there is: y = Identity(x), float32 [1]. */
function identityModel(): Uint8Array {
  const tensor = (name: string) => ({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 1 }] } } } });
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: { name: 'doctor', node: [{ opType: 'Identity', input: ['x'], output: ['y'] }], input: [tensor('x')], output: [tensor('y')] },
  }).finish();
}

export async function engineDiagnostics(): Promise<EngineDiagnostics> {
  let version: string | null = null;
  try {
    version = (createRequire(__filename)('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    return { onnxruntime: { version: null, providers: [], error: 'onnxruntime-node is not installed; reinstall Cleanplate' } };
  }
  let ort: typeof import('onnxruntime-node');
  try {
    ort = await import('onnxruntime-node');
  } catch (err) {
    return { onnxruntime: { version, providers: [], error: `onnxruntime-node does not load: ${firstLine(err)}` } };
  }
  ort.env.logLevel = 'fatal';
  const model = identityModel();
  const providers: ProviderCheck[] = [];
  for (const backend of ort.listSupportedBackends()) {
    if (backend.name === 'cuda' && !cudaProviderInstalled(onnxruntimeBindingDir())) {
      providers.push({ name: 'cuda', loads: false, detail: 'its files are not installed (npm ci fetches them on Linux x64 unless ONNXRUNTIME_NODE_INSTALL=skip)' });
      continue;
    }
    try {
      // logSeverityLevel 4: a provider that cannot load says so in our line, not in onnxruntime's log.
      const session = await ort.InferenceSession.create(model, { executionProviders: [backend.name], logSeverityLevel: 4 });
      await session.release();
      providers.push({ name: backend.name, loads: true, detail: '' });
    } catch (err) {
      providers.push({ name: backend.name, loads: false, detail: firstLine(err) });
    }
  }
  return { onnxruntime: { version, providers, error: null } };
}
