/**
 * `npm run dev:web` / `node dist/host/server.cjs`: the services on http://127.0.0.1:$CLEANPLATE_PORT
 * (default 5183) for the renderer in a browser. Prints the URL on a line of its own once it listens;
 * the URL carries this run's secret (`?token=`), without which the host answers nothing but its
 * page (CLEANPLATE_TOKEN sets the secret, for test runners; default: random per run).
 *
 * Environment: CLEANPLATE_PORT, CLEANPLATE_USER_DATA (default: the folder the Electron app uses),
 * CLEANPLATE_UPLOAD_LIMIT_MB (default 8192).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createLog } from '../services/log';
import { createServices } from '../services/index';
import type { Emit } from '../services/index';
import { nodeEngineLauncher } from '../services/node-engine';
import { defaultUserDataDir, userDataPaths } from '../services/paths';
import { startWebHost } from './web-host';
import type { WebHost } from './web-host';

// Bundled as dist/host/server.cjs: the renderer, engine and sample are its siblings in dist/.
const distDir = path.resolve(__dirname, '..');
const version = process.env.CLEANPLATE_BUILD_VERSION ?? '0.0.0';

function portFromEnv(): number {
  const raw = process.env.CLEANPLATE_PORT ?? '5183';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`CLEANPLATE_PORT="${raw}" is not a port number; use a number from 1 to 65535.`);
    process.exit(2);
  }
  return port;
}

async function main(): Promise<void> {
  const port = portFromEnv();
  const userDataDir = path.resolve(process.env.CLEANPLATE_USER_DATA || defaultUserDataDir());
  const paths = userDataPaths(userDataDir);
  const log = createLog(paths.logs);
  let host: WebHost | null = null;
  const emit: Emit = (name, payload) => host?.broadcast(name, payload);

  const services = await createServices({
    host: 'web',
    appVersion: version,
    userDataDir,
    sampleDir: path.join(distDir, 'sample'),
    emit,
    launchEngine: nodeEngineLauncher(path.join(distDir, 'engine', 'engine.cjs'), log),
    dialogs: null,
    log,
  });
  try {
    host = await startWebHost({
      port,
      rendererDir: path.join(distDir, 'renderer'),
      cacheDir: services.paths.cache,
      importsDir: services.paths.imports,
      dispatch: services.dispatch,
      uploadLimitBytes: Number(process.env.CLEANPLATE_UPLOAD_LIMIT_MB || 8192) * (1 << 20),
      log,
      version,
      token: process.env.CLEANPLATE_TOKEN || randomBytes(24).toString('base64url'),
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    console.error(code === 'EADDRINUSE' ? `Port ${port} is in use; stop the other server or set CLEANPLATE_PORT to a free port.` : `The web host could not start: ${(err as Error).message}`);
    await services.dispose();
    process.exit(1);
  }
  log.info(`web host serving ${userDataDir} on port ${host.port}`);
  process.stdout.write(`${host.url}\n`);

  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await host?.close();
    await services.dispose();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((err) => {
  console.error(`The web host failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
