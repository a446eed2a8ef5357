// Getting ProPainter's release weights: downloaded from a real HTTP server on 127.0.0.1 that serves
// the tiny stand-ins of the three files (real .pth files written by PyTorch, a few KB each), checked
// against their layout, recorded with size and sha256, then the graphs built from them by a builder
// (here the fixture generator, so the build step is exercised before the product's builder exists).
// Also: every bad download the manager can meet, importing a folder of .pth files, and the cleanup
// of what a killed process left behind.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateStandIns } from '../../models/fixtures';
import {
  buildGraphs,
  downloadModels,
  importModels,
  modelsStatus,
  readFolderManifest,
  removeStaleTemporaries,
  verifyModels,
  type GraphSetBuilder,
  type ModelManifest,
  type ModelsProgress,
} from '../../main/models';
import type { ProPainterWeights } from '../../main/models/builder/weights';
import { tinyManifest, tinyReleaseDir } from '../helpers/pth';

const RELEASE = ['raft-things.pth', 'recurrent_flow_completion.pth', 'ProPainter.pth'];
const original = (file: string) => readFileSync(path.join(tinyReleaseDir, file));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let root: string;
let server: Server;
let baseUrl: string;
let host: string;

/** What the server does, per test. */
const behaviour = {
  /** Bytes served instead of the real file. */
  body: new Map<string, Buffer>(),
  /** Answer with this status instead. */
  status: new Map<string, number>(),
  /** Close the connection after this many body bytes, once. */
  cut: null as { file: string; after: number } | null,
  /** Answer a Range request with the whole file (200). */
  ignoreRange: false,
  requests: [] as { file: string; range: string | undefined }[],
};

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'cleanplate-weights-'));
  server = createServer((req, res) => {
    const file = decodeURIComponent(new URL(req.url!, 'http://x').pathname.slice(1));
    const range = req.headers.range;
    behaviour.requests.push({ file, range });
    const status = behaviour.status.get(file);
    if (status) return void res.writeHead(status).end('<html><body>server error</body></html>');
    const body = behaviour.body.get(file) ?? (RELEASE.includes(file) ? original(file) : null);
    if (!body) return void res.writeHead(404).end('not found');
    const m = range && !behaviour.ignoreRange ? /^bytes=(\d+)-$/.exec(range) : null;
    const start = m ? Number(m[1]) : 0;
    if (m && start >= body.length) return void res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
    if (m) res.writeHead(206, { 'Content-Length': body.length - start, 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}` });
    else res.writeHead(200, { 'Content-Length': body.length });
    const slice = body.subarray(start);
    if (behaviour.cut?.file === file) {
      const { after } = behaviour.cut;
      behaviour.cut = null;
      res.write(slice.subarray(0, after), () => setTimeout(() => res.socket?.destroy(), 50));
      return;
    }
    res.end(slice);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  baseUrl = `http://${host}/`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  behaviour.body.clear();
  behaviour.status.clear();
  behaviour.cut = null;
  behaviour.ignoreRange = false;
  behaviour.requests = [];
});

let dirs = 0;
const freshDir = () => path.join(root, `case-${++dirs}`, 'models');
const served = (): ModelManifest => tinyManifest(baseUrl);
const download = (dir: string, extra: Partial<Parameters<typeof downloadModels>[0]> = {}) => downloadModels({ dir, manifest: served(), acceptLicense: true, builder: null, ...extra });

/** The fixture generator standing in for the product's builder: writes the contract's graphs and remembers what it was given. */
function fixtureBuilder(seen: { weights?: ProPainterWeights; dir?: string }): GraphSetBuilder {
  return async (weights, outDir, opts) => {
    seen.weights = weights;
    seen.dir = outDir;
    opts.onProgress?.({ step: 'fixtures', done: 0, total: 1 });
    generateStandIns(outDir);
    opts.onProgress?.({ step: 'fixtures', done: 1, total: 1 });
  };
}

describe('downloading the release weights', () => {
  it('refuses before the licence is accepted, without touching the network or the disk', async () => {
    const dir = freshDir();
    await expect(downloadModels({ dir, manifest: served(), acceptLicense: false })).rejects.toThrow(
      'the ProPainter models are under the S-Lab License 1.0 (non-commercial use only); accept the licence before downloading',
    );
    expect(behaviour.requests).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });

  it('downloads, verifies and records the three files, says the graphs are not built, and fetches nothing twice', async () => {
    const dir = freshDir();
    const progress: ModelsProgress[] = [];
    const r = await download(dir, { onProgress: (p) => progress.push(p) });
    expect(r).toEqual({ downloaded: RELEASE, skipped: [], built: null });
    for (const file of RELEASE) expect(readFileSync(path.join(dir, file)).equals(original(file))).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([...RELEASE, 'manifest.json'].sort()); // no .partial, no temporaries

    // Each file: byte progress ending at its size with a speed and no time left, then its check.
    for (const file of RELEASE) {
      const mine = progress.filter((p) => 'file' in p && p.file === file);
      const last = mine.at(-2);
      expect(last).toMatchObject({ phase: 'download', receivedBytes: original(file).length, totalBytes: original(file).length, etaSeconds: 0 });
      expect(mine.at(-1)).toEqual({ phase: 'verify', file });
    }

    const recorded = (await readFolderManifest(dir))!.weights!;
    expect(recorded.map((w) => [w.file, w.size, w.sha256])).toEqual(RELEASE.map((f) => [f, original(f).length, sha256(original(f))]));
    const status = await modelsStatus(dir);
    expect(status.stage).toBe('weights');
    expect(status.engines.find((e) => e.id === 'propainter')).toEqual({
      id: 'propainter',
      ready: false,
      detail: 'the weights are downloaded and verified, but the ONNX graphs are not built yet; download again to build them (nothing is downloaded twice)',
    });
    expect(status.weights.map((w) => [w.file, w.state, w.sizeBytes, w.sha256])).toEqual(RELEASE.map((f) => [f, 'ok', original(f).length, sha256(original(f))]));

    behaviour.requests = [];
    expect(await download(dir)).toEqual({ downloaded: [], skipped: RELEASE, built: null });
    expect(behaviour.requests).toEqual([]);
  });

  it('resumes after a cut connection with a Range request, and the status says it stopped part-way', async () => {
    const dir = freshDir();
    behaviour.cut = { file: 'ProPainter.pth', after: 2500 };
    await expect(download(dir)).rejects.toThrow(new RegExp(`^the download of ProPainter\\.pth from ${host} was interrupted after 2\\.4 KB \\(.+\\); run it again to resume$`));
    expect(statSync(path.join(dir, 'ProPainter.pth.partial')).size).toBe(2500);
    expect(existsSync(path.join(dir, 'ProPainter.pth'))).toBe(false);
    const stopped = await modelsStatus(dir);
    expect(stopped.stage).toBe('partial');
    expect(stopped.engines.find((e) => e.id === 'propainter')!.detail).toBe('ProPainter.pth is partly downloaded (2.4 KB); download again to resume');
    // What was verified before the cut is recorded already.
    expect((await readFolderManifest(dir))!.weights!.filter((w) => w.sha256 !== null).map((w) => w.file)).toEqual(['raft-things.pth', 'recurrent_flow_completion.pth']);

    behaviour.requests = [];
    expect(await download(dir)).toEqual({ downloaded: ['ProPainter.pth'], skipped: ['raft-things.pth', 'recurrent_flow_completion.pth'], built: null });
    expect(behaviour.requests).toEqual([{ file: 'ProPainter.pth', range: 'bytes=2500-' }]);
    expect(readFileSync(path.join(dir, 'ProPainter.pth')).equals(original('ProPainter.pth'))).toBe(true);
    expect(existsSync(path.join(dir, 'ProPainter.pth.partial'))).toBe(false);
  });

  it('starts over when the server ignores the Range request', async () => {
    const dir = freshDir();
    behaviour.cut = { file: 'recurrent_flow_completion.pth', after: 1000 };
    await expect(download(dir)).rejects.toThrow(/interrupted after/);
    behaviour.ignoreRange = true;
    await download(dir);
    expect(readFileSync(path.join(dir, 'recurrent_flow_completion.pth')).equals(original('recurrent_flow_completion.pth'))).toBe(true);
  });

  it('reports an HTTP error in one line with the status and the file, and keeps nothing of it', async () => {
    const dir = freshDir();
    behaviour.status.set('recurrent_flow_completion.pth', 503);
    await expect(download(dir)).rejects.toThrow(`downloading recurrent_flow_completion.pth from ${host} failed (HTTP 503 Service Unavailable); try again later`);
    expect(readdirSync(dir).filter((f) => f.startsWith('recurrent'))).toEqual([]);
  });

  it('reports a server that cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(downloadModels({ dir: freshDir(), manifest: tinyManifest(`http://127.0.0.1:${port}/`), acceptLicense: true })).rejects.toThrow(
      `cannot reach 127.0.0.1:${port} to download raft-things.pth (ECONNREFUSED); check the connection and try again`,
    );
  });

  const refused: Array<[string, string, () => Buffer, RegExp | string]> = [
    ['a truncated file the server calls complete', 'ProPainter.pth', () => original('ProPainter.pth').subarray(0, 4000), 'ProPainter.pth is incomplete: its zip archive ends early (was the download cut short?)'],
    ['a truncated legacy file', 'raft-things.pth', () => original('raft-things.pth').subarray(0, 1100), /^raft-things\.pth is incomplete: storage \d+ ends \d+ bytes past the end of the file \(was the download cut short\?\)$/],
    ['another release file under its name', 'raft-things.pth', () => original('ProPainter.pth'), 'raft-things.pth has no tensor module.fnet.conv1.weight (it holds the tensors of ProPainter.pth: the files were swapped or renamed)'],
    ['an HTML page served as the file', 'recurrent_flow_completion.pth', () => Buffer.from('<!DOCTYPE html><html><body>Sign in to continue</body></html>'), 'recurrent_flow_completion.pth is a web page, not a PyTorch checkpoint (the server sent an error or sign-in page instead of the file)'],
    ['a file with a damaged storage', 'recurrent_flow_completion.pth', () => {
      const bytes = Buffer.from(original('recurrent_flow_completion.pth'));
      bytes[bytes.indexOf(Buffer.from(new Float32Array([0.25, 0.25]).buffer)) + 1] ^= 0x40;
      return bytes;
    }, /^recurrent_flow_completion\.pth is damaged: recurrent_flow_completion\/data\/\d+ fails its CRC-32 check$/],
  ];
  for (const [what, file, bytes, problem] of refused) {
    it(`refuses ${what} in one line naming it, and deletes it`, async () => {
      const dir = freshDir();
      behaviour.body.set(file, bytes());
      const err = await download(dir).then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(/; the download from 127\.0\.0\.1:\d+ was deleted: try again$/);
      expect(err!.message.length).toBeLessThan(240); // the CLI cuts longer lines
      const line = err!.message.replace(/; the download from .*$/, '');
      if (typeof problem === 'string') expect(line).toBe(problem);
      else expect(line).toMatch(problem);
      expect(existsSync(path.join(dir, file))).toBe(false);
      expect(existsSync(path.join(dir, `${file}.partial`))).toBe(false);
      expect((await modelsStatus(dir)).stage).not.toBe('weights');
    });
  }

  it('replaces a recorded file that changed on disk, and leaves the others alone', async () => {
    const dir = freshDir();
    await download(dir);
    writeFileSync(path.join(dir, 'raft-things.pth'), 'overwritten');
    const status = await modelsStatus(dir);
    expect(status.stage).toBe('none');
    expect(status.engines.find((e) => e.id === 'propainter')!.detail).toMatch(/^raft-things\.pth has changed since it was verified \(0\.0 KB, was 1\.\d KB\); download or import the weights again$/);
    behaviour.requests = [];
    expect((await download(dir)).downloaded).toEqual(['raft-things.pth']);
    expect(behaviour.requests.map((q) => q.file)).toEqual(['raft-things.pth']);
  });
});

describe('building the graphs from the weights', () => {
  it('hands the builder the three networks (keys without the DataParallel prefix) and moves its graphs in: ready', async () => {
    const dir = freshDir();
    const seen: { weights?: ProPainterWeights; dir?: string } = {};
    const progress: ModelsProgress[] = [];
    const r = await download(dir, { builder: fixtureBuilder(seen), onProgress: (p) => progress.push(p) });
    expect(r.built).toContain('raft.onnx');
    expect([...seen.weights!.raft.keys()]).toEqual(['fnet.conv1.weight', 'fnet.conv1.bias', 'cnet.norm1.weight', 'cnet.norm1.num_batches_tracked']);
    expect(seen.weights!.generator.get('decoder.2.weight')!.data).toEqual(new Float32Array(3 * 16 * 3 * 3).fill(-0.125));
    expect(path.dirname(seen.dir!)).toBe(dir); // staged inside the models folder, so the move is a rename
    expect(progress.filter((p) => p.phase === 'build')).toEqual([
      { phase: 'build', step: 'fixtures', done: 0, total: 1 },
      { phase: 'build', step: 'fixtures', done: 1, total: 1 },
    ]);
    const status = await modelsStatus(dir);
    expect(status.stage).toBe('ready');
    expect(status.files.filter((f) => f.state === 'ok').every((f) => f.sha256 === sha256(readFileSync(path.join(dir, f.file))))).toBe(true);
    expect(readdirSync(dir).filter((f) => f.startsWith('.build-'))).toEqual([]);
    const verified = await verifyModels(dir);
    expect(verified.ok).toBe(true);
    expect(verified.checks.slice(0, 3).map((c) => [c.file, c.state])).toEqual(RELEASE.map((f) => [f, 'ok']));
  });

  it('builds the graphs of a folder that only has the weights when the download runs again', async () => {
    const dir = freshDir();
    await download(dir);
    behaviour.requests = [];
    const r = await download(dir, { builder: fixtureBuilder({}) });
    expect(behaviour.requests).toEqual([]);
    expect(r.built).toContain('pp_transformer.onnx');
    expect((await modelsStatus(dir)).stage).toBe('ready');
  });

  it('keeps the graphs it had and the weights when the builder fails or writes too little', async () => {
    const dir = freshDir();
    await download(dir, { builder: fixtureBuilder({}) });
    const failing: GraphSetBuilder = async (_w, outDir) => {
      writeFileSync(path.join(outDir, 'raft.onnx'), Buffer.from([0x08, 0x07]));
      throw new Error('out of memory');
    };
    await expect(buildGraphs(dir, failing)).rejects.toThrow('out of memory');
    expect((await modelsStatus(dir)).stage).toBe('ready'); // the old graphs are untouched: the failure came before the swap
    const incomplete: GraphSetBuilder = async (_w, outDir) => void writeFileSync(path.join(outDir, 'raft.onnx'), Buffer.from([0x08, 0x07]));
    await expect(buildGraphs(dir, incomplete)).rejects.toThrow('the graph builder did not write rfc_encoder.onnx');
    expect(readdirSync(dir).filter((f) => f.startsWith('.build-'))).toEqual([]);
    expect((await verifyModels(dir)).checks.slice(0, 3).every((c) => c.state === 'ok')).toBe(true);
  });
});

describe('importing a folder of .pth files', () => {
  const tinyFolder = (name: string, withManifest = true) => {
    const dir = path.join(root, name);
    cpSync(tinyReleaseDir, dir, { recursive: true });
    if (withManifest) writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(tinyManifest()));
    return dir;
  };

  it('verifies and copies the weights, records them, and builds the graphs', async () => {
    const to = freshDir();
    const weightsOnly = await importModels(tinyFolder('import-ok'), to, { builder: null });
    expect(weightsOnly.stage).toBe('weights');
    expect(weightsOnly.weights.map((w) => [w.file, w.state, w.sha256])).toEqual(RELEASE.map((f) => [f, 'ok', sha256(original(f))]));
    const built = await importModels(tinyFolder('import-ok-2'), to, { builder: fixtureBuilder({}) });
    expect(built.stage).toBe('ready');
    expect(readdirSync(path.dirname(to))).toEqual(['models']); // no staging or retired folders left
  });

  it('checks the release files against the official layout when the folder has no manifest', async () => {
    const from = tinyFolder('import-official', false);
    await expect(importModels(from, freshDir())).rejects.toThrow(`cannot import from ${from}: raft-things.pth has module.fnet.conv1.weight of shape [4, 3, 3, 3], expected [64, 3, 7, 7]`);
  });

  it('refuses a folder with one of the three files missing, naming it', async () => {
    const from = tinyFolder('import-missing');
    rmSync(path.join(from, 'ProPainter.pth'));
    const to = freshDir();
    await expect(importModels(from, to)).rejects.toThrow(`cannot import from ${from}: ProPainter.pth is missing (the weights are three files: raft-things.pth, recurrent_flow_completion.pth, ProPainter.pth)`);
    expect(existsSync(to)).toBe(false);
  });

  it('refuses a swapped file and leaves the models folder as it was', async () => {
    const to = freshDir();
    await importModels(tinyFolder('import-before'), to, { builder: null });
    const from = tinyFolder('import-swapped');
    cpSync(path.join(from, 'ProPainter.pth'), path.join(from, 'raft-things.pth'));
    await expect(importModels(from, to)).rejects.toThrow(`cannot import from ${from}: raft-things.pth has no tensor module.fnet.conv1.weight (it holds the tensors of ProPainter.pth: the files were swapped or renamed)`);
    expect((await modelsStatus(to)).stage).toBe('weights');
  });

  it('refuses a folder with neither weights nor graphs', async () => {
    const empty = path.join(root, 'import-empty');
    mkdirSync(empty);
    await expect(importModels(empty, freshDir())).rejects.toThrow(
      `cannot import from ${empty}: it holds neither ProPainter's weights (raft-things.pth, recurrent_flow_completion.pth, ProPainter.pth) nor its ONNX graphs (raft.onnx and 18 more)`,
    );
  });

  it('keeps the weights already there when a folder of converted graphs is imported', async () => {
    const to = freshDir();
    await importModels(tinyFolder('import-keep'), to, { builder: null });
    const graphs = path.join(root, 'converted');
    generateStandIns(graphs);
    const status = await importModels(graphs, to);
    expect(status.stage).toBe('ready');
    expect(status.weights.map((w) => w.state)).toEqual(['ok', 'ok', 'ok']);
    for (const f of RELEASE) expect(readFileSync(path.join(to, f)).equals(original(f))).toBe(true);
  });
});

describe('what a killed process leaves behind', () => {
  it('removes temporaries of dead processes at the next start, keeps partial downloads and live processes\' files', async () => {
    const dir = freshDir();
    await download(dir);
    const deadPid = 2 ** 22 + 12345; // above Linux's pid_max default of 2^22: never a live process
    writeFileSync(path.join(dir, `manifest.json.${deadPid}.tmp`), '{');
    mkdirSync(path.join(dir, `.build-${deadPid}-1`));
    writeFileSync(path.join(dir, `.build-${deadPid}-1`, 'raft.onnx'), 'half');
    mkdirSync(path.join(dir, `.build-${process.pid}-1`)); // a live process's build: left alone
    writeFileSync(path.join(dir, 'ProPainter.pth.partial'), 'resume me');
    mkdirSync(`${dir}.import-${deadPid}-1`);
    await removeStaleTemporaries(dir);
    expect(readdirSync(dir).sort()).toEqual([`.build-${process.pid}-1`, ...RELEASE, 'ProPainter.pth.partial', 'manifest.json'].sort());
    expect(readdirSync(path.dirname(dir))).toEqual(['models']);
  });

  it('puts back a models folder that an import moved aside and died before replacing', async () => {
    const dir = freshDir();
    await download(dir);
    const deadPid = 2 ** 22 + 54321;
    const retired = `${dir}.old-${deadPid}-1`;
    cpSync(dir, retired, { recursive: true });
    rmSync(dir, { recursive: true });
    await removeStaleTemporaries(dir);
    expect(existsSync(retired)).toBe(false);
    expect((await modelsStatus(dir)).stage).toBe('weights');
  });
});
