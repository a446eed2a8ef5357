// Builds every process of the app into dist/:
//   Node-side bundles with esbuild (main, engine process, web host, CLI, preload, tools),
//   the renderer with Vite, and the bundled sample project (generated with ffmpeg, cached).
// Runtime dependencies stay external to the Node bundles: onnxruntime-node and the ffmpeg
// installers resolve native files relative to their own package folders.
import { build as esbuild } from 'esbuild';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const external = ['electron', ...Object.keys(pkg.dependencies ?? {})];
const only = process.argv.slice(2); // e.g. `node scripts/build.mjs cli engine` builds a subset

/** name -> [entry, outfile, options] */
const nodeEntries = {
  main: ['main/app/main.ts', 'dist/main/main.cjs', {}],
  engine: ['main/engine/process.ts', 'dist/engine/engine.cjs', {}],
  host: ['main/host/server.ts', 'dist/host/server.cjs', {}],
  cli: ['main/cli/index.ts', 'dist/cli/cleanplate.cjs', {}],
  // A sandboxed preload cannot require() sibling files: bundle everything but electron.
  preload: ['preload/preload.ts', 'dist/preload/preload.cjs', { external: ['electron'] }],
  sample: ['scripts/make-sample.ts', 'dist/tools/make-sample.cjs', {}],
  bench: ['test/bench/bench.ts', 'dist/bench/bench.cjs', {}],
  eval: ['test/eval/eval.ts', 'dist/bench/eval.cjs', {}],
  fixtures: ['models/fixtures/generate.ts', 'dist/bench/fixtures.cjs', {}],
};

const wanted = (name) => only.length === 0 || only.includes(name);
const unknown = only.filter((name) => !(name in nodeEntries) && name !== 'renderer');
if (unknown.length) {
  console.error(`build: unknown target ${unknown.join(', ')}; targets are ${[...Object.keys(nodeEntries), 'renderer'].join(', ')}`);
  process.exit(2);
}

async function buildNode() {
  const jobs = [];
  for (const [name, [entry, outfile, extra]] of Object.entries(nodeEntries)) {
    if (!wanted(name)) continue;
    jobs.push(
      esbuild({
        entryPoints: [path.join(root, entry)],
        outfile: path.join(root, outfile),
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        sourcemap: true,
        logLevel: 'warning',
        external,
        define: { 'process.env.CLEANPLATE_BUILD_VERSION': JSON.stringify(pkg.version) },
        ...extra,
      }),
    );
  }
  await Promise.all(jobs);
}

function buildRenderer() {
  if (!wanted('renderer')) return;
  const vite = path.join(root, 'node_modules/vite/bin/vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--config', 'vite.config.mts', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('renderer build failed');
}

function makeSample() {
  if (!wanted('sample')) return;
  const tool = path.join(root, 'dist/tools/make-sample.cjs');
  const r = spawnSync(process.execPath, [tool, path.join(root, 'dist/sample')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('sample project generation failed');
}

const started = Date.now();
try {
  await buildNode();
  buildRenderer();
  makeSample();
  console.log(`build: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (err) {
  console.error(`build failed: ${err.message}`);
  process.exit(1);
}
