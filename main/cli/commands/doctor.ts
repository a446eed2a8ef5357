/**
 * `cleanplate doctor`: what a bug report needs (services/diagnostics.ts), as lines, or as JSON with
 * --json. onnxruntime's providers are checked here in the CLI's own process.
 */
import path from 'node:path';
import { engineDiagnostics } from '../../engine/diagnostics';
import { defaultModelsDir } from '../../models/index';
import { formatDiagnostics } from '../../../common/diagnostics';
import { gatherDiagnostics } from '../../services/diagnostics';
import { defaultUserDataDir } from '../../services/paths';
import type { CliContext } from '../program';

export async function doctorCommand(opts: { json?: boolean }, ctx: CliContext): Promise<void> {
  const userDataDir = path.resolve(process.env.CLEANPLATE_USER_DATA || defaultUserDataDir());
  const report = await gatherDiagnostics({
    appVersion: process.env.CLEANPLATE_BUILD_VERSION ?? '0.0.0',
    userDataDir,
    modelsDir: defaultModelsDir(userDataDir),
    engine: engineDiagnostics,
  });
  ctx.streams.out.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDiagnostics(report).join('\n')}\n`);
}
