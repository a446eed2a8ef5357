// Typechecks each process's project on its own: common without Node or DOM, the renderer
// without Node, the Node side without DOM. One tsconfig for all would hide wrong imports.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const projects = ['common', '.', 'preload', 'renderer', 'test'];
let failed = false;
for (const project of projects) {
  const result = spawnSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`typecheck failed in ${project === '.' ? 'the Node project (tsconfig.json)' : project + '/'}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
