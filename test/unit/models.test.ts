// The model manager on real files: the contract stand-in graphs (real ONNX bytes, real sha256; models/fixtures).
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateStandIns } from '../../models/fixtures';
import { bundledManifest, defaultModelsDir, importModels, modelsStatus, parseManifest, requireModelFiles, verifyModels } from '../../main/models';
import { contractFiles } from '../../main/models/contract';

let root: string;
let fixtures: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'cleanplate-models-'));
  fixtures = path.join(root, 'fixtures');
  generateStandIns(fixtures);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function copyOfFixtures(name: string): string {
  const dir = path.join(root, name);
  cpSync(fixtures, dir, { recursive: true });
  return dir;
}

describe('bundled manifest', () => {
  it('downloads the three release files from the upstream v0.1.0 release, with no invented sizes or hashes', () => {
    const m = bundledManifest();
    expect(m.weights!.map((w) => [w.file, w.network, w.url])).toEqual([
      ['raft-things.pth', 'raft', 'https://github.com/sczhou/ProPainter/releases/download/v0.1.0/raft-things.pth'],
      ['recurrent_flow_completion.pth', 'flowCompletion', 'https://github.com/sczhou/ProPainter/releases/download/v0.1.0/recurrent_flow_completion.pth'],
      ['ProPainter.pth', 'generator', 'https://github.com/sczhou/ProPainter/releases/download/v0.1.0/ProPainter.pth'],
    ]);
    expect(m.weights!.every((w) => w.size === null && w.sha256 === null && w.layout === undefined)).toBe(true);
    // About 21 + 20 + 158 MB, as the release page shows.
    expect(m.weights!.map((w) => Math.round(w.approxBytes! / 1e6))).toEqual([21, 20, 158]);
    expect(m.license.id).toBe('S-Lab-1.0');
    expect(m.license.commercialUse).toBe(false);
  });

  it('lists every contract graph as built here: no download location, size or hash', () => {
    const m = bundledManifest();
    expect(m.files.map((f) => f.file).sort()).toEqual(contractFiles().map((f) => f.file).sort());
    expect(m.files.every((f) => f.size === null && f.sha256 === null && f.url === null)).toBe(true);
  });

  it('refuses a weight file that is neither a release file nor described by a layout', () => {
    const m = bundledManifest();
    expect(() => parseManifest({ ...m, weights: [{ ...m.weights![0]!, file: 'other.pth' }] }, 'mirror.json')).toThrow(
      "mirror.json lists the weight file other.pth, which is not one of ProPainter's release files and has no layout; fix the manifest",
    );
  });
});

describe('modelsStatus', () => {
  it('puts models in the user data folder', () => {
    expect(defaultModelsDir('/home/u/.config/Cleanplate')).toBe(path.join('/home/u/.config/Cleanplate', 'models'));
  });

  it('reports classic ready and names the missing ProPainter files in an empty folder', async () => {
    const empty = path.join(root, 'empty');
    const s = await modelsStatus(empty);
    expect(s.engines.find((e) => e.id === 'classic')?.ready).toBe(true);
    const pp = s.engines.find((e) => e.id === 'propainter')!;
    expect(pp.ready).toBe(false);
    expect(s.stage).toBe('none');
    expect(pp.detail).toBe(
      "no model files yet: download ProPainter's weights (raft-things.pth, recurrent_flow_completion.pth and 1 more, about 189.9 MB) or import a folder with them or with converted ONNX graphs",
    );
    expect(s.files.every((f) => f.state === 'missing')).toBe(true);
    expect(s.weights.map((w) => [w.file, w.state, w.expectedBytes])).toEqual(bundledManifest().weights!.map((w) => [w.file, 'missing', w.approxBytes]));
    expect(s.license.name).toBe('S-Lab License 1.0');
  });

  it('reports the fixture set ready', async () => {
    const s = await modelsStatus(fixtures);
    expect(s.engines.find((e) => e.id === 'propainter')).toEqual({ id: 'propainter', ready: true, detail: 'ready' });
    expect(s.stage).toBe('ready');
    expect(s.files.every((f) => f.state === 'ok' && f.sizeBytes === f.expectedBytes)).toBe(true);
  });

  it('names a single missing file in one line', async () => {
    const dir = copyOfFixtures('one-missing');
    rmSync(path.join(dir, 'pp_transformer.onnx'));
    const pp = (await modelsStatus(dir)).engines.find((e) => e.id === 'propainter')!;
    expect(pp.detail).toBe(`pp_transformer.onnx is missing from ${dir}; download or import the models`);
  });
});

describe('verifyModels', () => {
  it('passes the fixtures, hashes included', async () => {
    const r = await verifyModels(fixtures);
    expect(r.ok).toBe(true);
    expect(r.checks).toHaveLength(contractFiles().length);
  });

  it('reports a flipped byte as corrupt by name (sha256 mismatch)', async () => {
    const dir = copyOfFixtures('flipped');
    const file = path.join(dir, 'rfc_decoder.onnx');
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(file, bytes);
    const r = await verifyModels(dir);
    expect(r.ok).toBe(false);
    const bad = r.checks.filter((c) => c.state !== 'ok');
    expect(bad.map((c) => [c.file, c.state])).toEqual([['rfc_decoder.onnx', 'corrupt']]);
    expect(bad[0]!.problem).toBe('rfc_decoder.onnx is corrupt (its sha256 does not match the manifest); download or import it again');
  });

  it('reports a short file as partial, with both sizes', async () => {
    const dir = copyOfFixtures('short');
    truncateSync(path.join(dir, 'raft.onnx'), 1000);
    const c = (await verifyModels(dir)).checks.find((x) => x.file === 'raft.onnx')!;
    expect(c.state).toBe('partial');
    expect(c.problem).toMatch(/^raft\.onnx is incomplete \(1\.0 KB of \d+\.\d KB\); download it again to resume$/);
  });

  it('reports a file that is not ONNX when the manifest cannot know its size (no manifest in the folder)', async () => {
    const dir = copyOfFixtures('not-onnx');
    rmSync(path.join(dir, 'manifest.json'));
    writeFileSync(path.join(dir, 'raft.onnx'), '<html>Not Found</html>');
    const c = (await verifyModels(dir)).checks.find((x) => x.file === 'raft.onnx')!;
    expect(c.state).toBe('corrupt');
    expect(c.problem).toBe('raft.onnx is not an ONNX file; build them again from the weights (Download models… in the app, or: cleanplate models download)');
  });

  it('refuses a manifest made for another contract version', async () => {
    const dir = copyOfFixtures('old-contract');
    const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...m, contract: 2 }));
    await expect(verifyModels(dir)).rejects.toThrow(/contract version 2, but this Cleanplate needs version 1; build them again from the weights/);
  });

  it('says when the folder does not exist', async () => {
    await expect(verifyModels(path.join(root, 'nope'))).rejects.toThrow(/the models folder .*nope does not exist; download or import the models first/);
  });
});

describe('requireModelFiles (engine start)', () => {
  it('returns paths when the files are fine and throws the problem line otherwise', async () => {
    const paths = await requireModelFiles(fixtures, ['raft.onnx', 'pp_decoder.onnx']);
    expect(paths['raft.onnx']).toBe(path.join(fixtures, 'raft.onnx'));
    await expect(requireModelFiles(path.join(root, 'empty2'), ['raft.onnx'])).rejects.toThrow(/does not exist; download or import the ProPainter models first/);
    await expect(requireModelFiles(null, ['raft.onnx'])).rejects.toThrow(/needs its model files/);
    const dir = copyOfFixtures('req-missing');
    rmSync(path.join(dir, 'raft.onnx'));
    await expect(requireModelFiles(dir, ['raft.onnx'])).rejects.toThrow(`raft.onnx is missing from ${dir}; download or import the models`);
  });
});

describe('importModels', () => {
  it('copies a verified folder into the models folder and writes a manifest with real hashes', async () => {
    const to = path.join(root, 'user', 'models');
    const status = await importModels(fixtures, to);
    expect(status.engines.find((e) => e.id === 'propainter')?.ready).toBe(true);
    expect((await verifyModels(to)).ok).toBe(true);
    expect(readdirSync(path.join(root, 'user')).sort()).toEqual(['models']); // no staging or retired folders left
  });

  it('refuses a folder with a damaged file, naming it, and leaves the existing models untouched', async () => {
    const to = path.join(root, 'user2', 'models');
    await importModels(fixtures, to);
    const bad = copyOfFixtures('bad-source');
    const bytes = readFileSync(path.join(bad, 'pp_encoder.onnx'));
    bytes[100] ^= 0x55;
    writeFileSync(path.join(bad, 'pp_encoder.onnx'), bytes);
    await expect(importModels(bad, to)).rejects.toThrow(`cannot import from ${bad}: pp_encoder.onnx is corrupt (its sha256 does not match the manifest); download or import it again`);
    expect((await verifyModels(to)).ok).toBe(true);
    expect(readdirSync(path.join(root, 'user2'))).toEqual(['models']);
  });

  it('refuses a folder missing a required file and accepts one without the optional fp16 files', async () => {
    const noFp16 = copyOfFixtures('no-fp16');
    for (const f of readdirSync(noFp16)) if (f.endsWith('.fp16.onnx')) rmSync(path.join(noFp16, f));
    const to = path.join(root, 'user3', 'models');
    const s = await importModels(noFp16, to);
    expect(s.engines.find((e) => e.id === 'propainter')?.ready).toBe(true);
    expect(existsSync(path.join(to, 'pp_decoder.fp16.onnx'))).toBe(false);

    const missing = copyOfFixtures('missing-required');
    rmSync(path.join(missing, 'rfc_prop_forward.onnx'));
    await expect(importModels(missing, path.join(root, 'user4', 'models'))).rejects.toThrow(/rfc_prop_forward\.onnx is missing/);
    expect(existsSync(path.join(root, 'user4', 'models'))).toBe(false);
  });

  it('refuses a path that is not a folder', async () => {
    await expect(importModels(path.join(fixtures, 'raft.onnx'), path.join(root, 'x'))).rejects.toThrow(/is not a folder; choose the folder that holds ProPainter's \.pth weight files or converted \.onnx files/);
  });
});
