// The built `cleanplate` command as a user runs it: probe, the model manager, and every way a command
// line or an input file can be wrong (one clear line, the right exit status, no stack, nothing written).
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateStandIns } from '../../models/fixtures';
import { makeClip } from '../helpers/media';
import { tinyManifest, tinyReleaseDir } from '../helpers/pth';
import { buildCli, canMountTmpfs, jsonEvents, leftOnTmpfs, onTmpfs, runCli, type CliRun } from './cli-harness';

let tmp: string;
let clip: string;

beforeAll(() => {
  buildCli();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'cleanplate-cli-'));
  clip = makeClip('cli-probe', { width: 160, height: 120, frames: 12, audio: true });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A failure as users must see it: one `cleanplate: ...` line on stderr, nothing on stdout, no stack. */
function expectOneLine(r: CliRun, exitCode: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(exitCode);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^cleanplate: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/** `models verify` failing: the report on stdout, then exactly one error line on stderr. */
function expectOneLineAfterReport(r: CliRun, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stdout).toMatch(/^Models folder: /);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

describe('cleanplate probe', () => {
  it('prints the probe of a generated clip as JSON', async () => {
    const r = await runCli(['probe', clip]);
    expect(r.code, r.stderr).toBe(0);
    const probe = JSON.parse(r.stdout);
    expect(probe).toMatchObject({ width: 160, height: 120, frameCount: 12, fps: { num: 25, den: 1 }, rotation: 0, vfr: false, isImageSequence: false });
    expect(probe.audio).toHaveLength(1);
    expect(probe.durationSec).toBeCloseTo(12 / 25, 1);
    expect(path.resolve(probe.path)).toBe(path.resolve(clip));
  });

  it('refuses a missing file, a text file, an empty file and a truncated file in one line each', async () => {
    const text = path.join(tmp, 'notes.mp4');
    writeFileSync(text, 'these are not the frames you are looking for\n'.repeat(20));
    const empty = path.join(tmp, 'empty.mp4');
    writeFileSync(empty, '');
    const truncated = path.join(tmp, 'truncated.mp4');
    copyFileSync(clip, truncated);
    truncateSync(truncated, Math.floor(statSync(clip).size / 2));

    expectOneLine(await runCli(['probe', path.join(tmp, 'nope.mp4')]), 1, /nope\.mp4 does not exist/);
    expectOneLine(await runCli(['probe', text]), 1, /notes\.mp4 is not a video/);
    expectOneLine(await runCli(['probe', empty]), 1, /empty\.mp4 is empty/);
    expectOneLine(await runCli(['probe', truncated]), 1, /truncated\.mp4 .*(damaged|truncated|incomplete)/);
  });

  it('shows the stack only with CLEANPLATE_DEBUG=1', async () => {
    const r = await runCli(['probe', path.join(tmp, 'nope.mp4')], { env: { CLEANPLATE_DEBUG: '1' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/UserError: .*nope\.mp4 does not exist/);
    expect(r.stderr).toMatch(/\n\s+at /);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(/^cleanplate: .*nope\.mp4 does not exist/);
  });
});

describe('the command line itself', () => {
  it('reports commander\'s errors as one line with exit status 2', async () => {
    expectOneLine(await runCli(['frobnicate']), 2, /unknown command 'frobnicate'/);
    expectOneLine(await runCli(['inpaint', clip, '--out', path.join(tmp, 'o.mp4')]), 2, /required option '--mask <path>' not specified/);
    expectOneLine(await runCli(['inpaint', clip, '--mask', 'm', '--out', path.join(tmp, 'o.mp4'), '--frobnicate']), 2, /unknown option '--frobnicate'/);
    expectOneLine(await runCli(['outpaint', clip, '--out', path.join(tmp, 'o.mp4')]), 2, /required option '--scale <HxW>' not specified/);
  });

  it('refuses invalid flag values, naming the flag and an accepted form, and writes nothing', async () => {
    const out = path.join(tmp, 'never.mp4');
    const cases: Array<[string[], RegExp]> = [
      [['inpaint', clip, '--mask', 'm', '--out', out, '--size', '12x'], /--size 12x: give width x height in pixels, e\.g\. --size 960x540/],
      [['inpaint', clip, '--mask', 'm', '--out', out, '--range', '9:3'], /--range 9:3: the first frame \(9\) is after the last \(3\)/],
      [['outpaint', clip, '--scale', '0x2', '--out', out], /--scale 0x2: each factor must be between 1 and 4/],
      [['inpaint', clip, '--mask', 'm', '--out', out, '--engine', 'lama'], /unknown engine 'lama'; valid engines: classic, propainter/],
      [['inpaint', clip, '--mask', 'm', '--out', out, '--device', 'tpu'], /unknown device 'tpu'; valid devices: auto, cpu, cuda, webgpu, dml, coreml/],
      [['inpaint', clip, '--mask', 'm', '--out', out, '--mask-dilation', 'lots'], /--mask-dilation lots: give a whole number/],
    ];
    for (const [args, pattern] of cases) expectOneLine(await runCli(args), 2, pattern);
    expect(existsSync(out)).toBe(false);
  });

  it('with --json, even a command-line error is exactly one JSON error event on stdout', async () => {
    const r = await runCli(['inpaint', clip, '--mask', 'm', '--out', path.join(tmp, 'o.mp4'), '--size', '12x', '--json']);
    expect(r.code).toBe(2);
    expect(jsonEvents(r.stdout)).toEqual([{ event: 'error', code: 'invalid-args', message: '--size 12x: give width x height in pixels, e.g. --size 960x540' }]);
    expect(r.stderr).toBe('');
  });

  it('prints usage with examples for --help, and the version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('cleanplate inpaint clip.mp4 --mask masks/ --out clean.mp4');
    const version = await runCli(['--version']);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')).version);
  });
});

describe('cleanplate models', () => {
  let fixtures: string;
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    fixtures = path.join(tmp, 'fixtures');
    generateStandIns(fixtures);
    // The fixtures served over HTTP, as a mirror of the model files would be.
    server = createServer((req, res) => {
      // The tiny stand-ins of the release weights are served beside them.
      const name = path.basename(decodeURIComponent(req.url ?? ''));
      const file = name.endsWith('.pth') ? path.join(tinyReleaseDir, name) : path.join(fixtures, name);
      if (!existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': statSync(file).size }).end(readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('lists an empty folder as not ready, naming what is missing', async () => {
    const r = await runCli(['models', 'list', '--models', path.join(tmp, 'no-models')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/classic +ready/);
    expect(r.stdout).toMatch(/propainter +not ready: no model files yet: download ProPainter's weights \(raft-things\.pth, recurrent_flow_completion\.pth and 1 more, about 189\.9 MB\)/);
    expect(r.stdout).toMatch(/^ {2}missing +raft-things\.pth +\(about 20\.1 MB\)$/m);
    expect(r.stdout).toMatch(/^ {2}missing +raft\.onnx$/m);
  });

  it('imports the fixtures, then lists and verifies them as ready (text and JSON)', async () => {
    const dir = path.join(tmp, 'models-imported');
    const imported = await runCli(['models', 'import', fixtures, '--models', dir]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/propainter +ready/);
    expect(existsSync(path.join(dir, 'raft.onnx'))).toBe(true);

    const listed = await runCli(['models', 'list', '--models', dir, '--json']);
    const [status] = jsonEvents(listed.stdout);
    expect(status).toMatchObject({ event: 'models', dir, engines: [{ id: 'classic', ready: true }, { id: 'propainter', ready: true }] });
    expect((status!.files as Array<{ state: string }>).every((f) => f.state === 'ok')).toBe(true);

    const verified = await runCli(['models', 'verify', '--models', dir]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^ {2}ok +raft\.onnx/m);
  });

  it('verify fails naming a damaged file', async () => {
    const dir = path.join(tmp, 'models-damaged');
    expect((await runCli(['models', 'import', fixtures, '--models', dir])).code).toBe(0);
    const victim = path.join(dir, 'pp_decoder.onnx');
    const bytes = readFileSync(victim);
    bytes[bytes.length - 1] ^= 0xff; // same size, different content: only the sha256 can tell
    writeFileSync(victim, bytes);
    const r = await runCli(['models', 'verify', '--models', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/corrupt +pp_decoder\.onnx/);
    expect(r.stderr.trim()).toMatch(/^cleanplate: pp_decoder\.onnx is corrupt \(its sha256 does not match the manifest\)/);
  });

  it('import refuses a folder without models in one line', async () => {
    const empty = path.join(tmp, 'not-models');
    mkdirSync(empty, { recursive: true });
    expectOneLine(await runCli(['models', 'import', empty, '--models', path.join(tmp, 'models-x')]), 1, /cannot import from .*not-models: it holds neither ProPainter's weights \(raft-things\.pth, .*\) nor its ONNX graphs \(raft\.onnx and 18 more\)$/);
    expect(existsSync(path.join(tmp, 'models-x'))).toBe(false);
  });

  it('download shows the licence and refuses without --accept-license, then downloads from a manifest with it', async () => {
    const manifest = { ...JSON.parse(readFileSync(path.join(fixtures, 'manifest.json'), 'utf8')), baseUrl };
    const manifestFile = path.join(tmp, 'mirror-manifest.json');
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const dir = path.join(tmp, 'models-downloaded');

    const refused = await runCli(['models', 'download', '--manifest', manifestFile, '--models', dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(manifest.license.summary);
    expect(refused.stderr.trimEnd().split('\n').at(-1)).toMatch(/^cleanplate: downloading needs your acceptance of the .*; read it, then run again with --accept-license$/);
    expect(existsSync(dir)).toBe(false);

    const r = await runCli(['models', 'download', '--accept-license', '--manifest', manifestFile, '--models', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const events = jsonEvents(r.stdout);
    expect(events.some((e) => e.event === 'download' && e.file === 'raft.onnx')).toBe(true);
    expect(events.at(-1)).toMatchObject({ event: 'models', engines: [{ id: 'classic' }, { id: 'propainter', ready: true }] });
  });

  const RELEASE = ['raft-things.pth', 'recurrent_flow_completion.pth', 'ProPainter.pth'];
  const sha256Of = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
  const weightsManifest = (name: string, edit: (m: ReturnType<typeof tinyManifest>) => void = () => {}) => {
    const m = tinyManifest(baseUrl);
    edit(m);
    const file = path.join(tmp, name);
    writeFileSync(file, JSON.stringify(m));
    return file;
  };

  // The tiny release files pass the tiny manifest's structural check but are not the real
  // architecture: the download keeps them, verified, and the build that follows refuses them in one line.
  const notTheArchitecture = /^cleanplate: the weights in .* do not fit ProPainter v0\.1\.0's architecture \(no tensor fnet\.layer1\.0\.conv1\.weight\); download or import the official weights again$/;

  it('download fetches and verifies the weights, then list shows each with its size and sha256 and says the graphs are not built', async () => {
    const dir = path.join(tmp, 'models-weights');
    const r = await runCli(['models', 'download', '--accept-license', '--manifest', weightsManifest('weights-manifest.json'), '--models', dir]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(notTheArchitecture);
    expect(r.stderr).toContain('Downloading under the S-Lab License 1.0 (non-commercial use only)');
    for (const f of RELEASE) expect(r.stderr).toContain(`downloaded ${f}; checking it`);

    const listed = await runCli(['models', 'list', '--models', dir]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/propainter +not ready: the weights are downloaded and verified, but the ONNX graphs are not built yet/);
    for (const f of RELEASE) {
      const size = `${(statSync(path.join(dir, f)).size / 1024 / 1024).toFixed(1)} MB`;
      expect(listed.stdout).toContain(`sha256 ${sha256Of(path.join(dir, f))}`);
      expect(listed.stdout).toMatch(new RegExp(`^ {2}ok +${f.replace('.', '\\.')} +${size.replace('.', '\\.')}  sha256 [0-9a-f]{64}$`, 'm'));
    }
    expect(listed.stdout).toMatch(/^ {2}missing +raft\.onnx$/m);
    // verify re-reads every weight file, and fails on the graphs that are not built, saying so.
    expectOneLineAfterReport(await runCli(['models', 'verify', '--models', dir]), /^cleanplate: the weights are downloaded and verified, but the ONNX graphs are not built yet/);
    writeFileSync(path.join(dir, 'ProPainter.pth.bak'), readFileSync(path.join(dir, 'ProPainter.pth')));
    const pp = readFileSync(path.join(dir, 'ProPainter.pth'));
    pp[pp.length >> 1] ^= 0x10;
    writeFileSync(path.join(dir, 'ProPainter.pth'), pp);
    expectOneLineAfterReport(await runCli(['models', 'verify', '--models', dir]), /^cleanplate: ProPainter\.pth has changed since it was verified \(its sha256 differs\); download or import the weights again$/);
    writeFileSync(path.join(dir, 'ProPainter.pth'), readFileSync(path.join(dir, 'ProPainter.pth.bak')));

    const json = jsonEvents((await runCli(['models', 'list', '--models', dir, '--json'])).stdout)[0]!;
    expect(json.stage).toBe('weights');
    expect(json.weights).toEqual(RELEASE.map((f) => expect.objectContaining({ file: f, state: 'ok', sizeBytes: statSync(path.join(dir, f)).size, sha256: sha256Of(path.join(dir, f)) })));

    // ProPainter is refused up front, saying why.
    const run = await runCli(['outpaint', clip, '--scale', '1x1.333', '--out', path.join(tmp, 'wide.mp4'), '--engine', 'propainter', '--models', dir]);
    expectOneLine(run, 1, /ProPainter cannot run: raft\.onnx and 9 more graphs are not built from the weights in .*models-weights yet; run `cleanplate models download --accept-license` to build them$/);
  });

  it('download refuses a wrong file in one line naming it, and reports progress as JSON', async () => {
    const dir = path.join(tmp, 'models-wrong');
    const manifest = weightsManifest('wrong-manifest.json', (m) => (m.weights![0]!.url = 'ProPainter.pth'));
    const r = await runCli(['models', 'download', '--accept-license', '--manifest', manifest, '--models', dir, '--json']);
    expect(r.code).toBe(1);
    const events = jsonEvents(r.stdout);
    expect(events.some((e) => e.event === 'download' && e.file === 'raft-things.pth' && typeof e.bytesPerSecond === 'number')).toBe(true);
    expect(events.at(-2)).toEqual({ event: 'verify', file: 'raft-things.pth' });
    expect(events.at(-1)).toMatchObject({ event: 'error', message: expect.stringMatching(/^raft-things\.pth has no tensor module\.fnet\.conv1\.weight \(it holds the tensors of ProPainter\.pth: the files were swapped or renamed\); the download from 127\.0\.0\.1:\d+ was deleted: try again$/) });
    expect(existsSync(path.join(dir, 'raft-things.pth'))).toBe(false);
  });

  it('import takes a folder of .pth files, verified, and refuses a damaged one naming it', async () => {
    const from = path.join(tmp, 'pth-folder');
    cpSync(tinyReleaseDir, from, { recursive: true });
    writeFileSync(path.join(from, 'manifest.json'), JSON.stringify(tinyManifest()));
    const dir = path.join(tmp, 'models-pth-imported');
    const imported = await runCli(['models', 'import', from, '--models', dir]);
    expect(imported.code, imported.stderr).toBe(1);
    expect(imported.stderr.trimEnd().split('\n').at(-1)).toMatch(notTheArchitecture);
    const listed = await runCli(['models', 'list', '--models', dir]);
    for (const f of RELEASE) expect(listed.stdout).toContain(`sha256 ${sha256Of(path.join(from, f))}`);

    truncateSync(path.join(from, 'ProPainter.pth'), 3000);
    expectOneLine(await runCli(['models', 'import', from, '--models', path.join(tmp, 'models-pth-2')]), 1, /cannot import from .*pth-folder: ProPainter\.pth is incomplete: its zip archive ends early/);
    expect(existsSync(path.join(tmp, 'models-pth-2'))).toBe(false);
  });

  it.skipIf(!canMountTmpfs)('download on a full disk fails in one line and leaves only what resumes', async () => {
    const dir = path.join(tmp, 'models-full');
    mkdirSync(dir, { recursive: true });
    const r = await runCli(['models', 'download', '--accept-license', '--manifest', weightsManifest('full-manifest.json'), '--models', dir], { wrap: onTmpfs(dir, 8) });
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.at(-2)).toMatch(/^cleanplate: the disk is full while downloading \S+\.pth into .*models-full( \(.* so far\))?; free space and download again to resume$/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // What is left is verified files, their manifest and a partial download to resume: no temporaries.
    for (const name of leftOnTmpfs(r.stderr)) expect(name).toMatch(/^(raft-things\.pth|recurrent_flow_completion\.pth|ProPainter\.pth|manifest\.json|\S+\.pth\.partial)$/);
  });
});
