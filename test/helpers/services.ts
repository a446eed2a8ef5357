// The services as the web host creates them, on a user-data folder of the test's own, with the
// built engine and no sample (tests that need the sample pass sampleDir).
import path from 'node:path';
import { createServices } from '../../main/services/index';
import type { Services } from '../../main/services/index';
import { createLog } from '../../main/services/log';
import { nodeEngineLauncher } from '../../main/services/node-engine';
import { repoRoot } from './media';

export function startWebServices(userDataDir: string, sampleDir = path.join(userDataDir, 'no-sample')): Promise<Services> {
  return createServices({
    host: 'web',
    appVersion: '0.0.0',
    userDataDir,
    sampleDir,
    emit: () => undefined,
    launchEngine: nodeEngineLauncher(path.join(repoRoot, 'dist/engine/engine.cjs')),
    dialogs: null,
    log: createLog(null, { quiet: true }),
  });
}
