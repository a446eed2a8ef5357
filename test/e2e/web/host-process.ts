// A web host of its own for tests that kill, hang or restart it (the shared one from
// playwright.config.ts must stay up for the other tests).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';

const server = path.resolve(__dirname, '../../../dist/host/server.cjs');

export interface HostProcess {
  url: string;
  process: ChildProcess;
  /** Sends `signal` and, unless it only pauses the process, waits until it has exited. */
  signal(signal: NodeJS.Signals): Promise<void>;
}

/** The same secret for every start, so a page survives its host being restarted (as a user's would with the same address). */
const TOKEN = 'e2e-host-process-secret';

export async function startHost(port: number, userData: string): Promise<HostProcess> {
  const child = spawn(process.execPath, [server], { env: { ...process.env, CLEANPLATE_PORT: String(port), CLEANPLATE_USER_DATA: userData, CLEANPLATE_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => void (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      const m = /^(http:\/\/127\.0\.0\.1:\d+\/\S*)$/m.exec(d.toString());
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the web host exited with ${code}: ${err.slice(-500)}`)));
  });
  return {
    url,
    process: child,
    async signal(signal) {
      const exited = new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
      child.kill(signal);
      if (signal !== 'SIGSTOP' && signal !== 'SIGCONT') await exited;
    },
  };
}
