// The .pth reader on real checkpoints written by PyTorch 1.13 (test/data/pth/make_pth.py): both
// torch.save formats, every float storage type converted to float32, int64 kept, shared storages read
// once, and every kind of bad file refused in one line that names it.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCheckpoint, readStateDict } from '../../main/models/pth';
import type { StateDict } from '../../main/models/builder/weights';

const data = path.join(__dirname, '../data/pth');
let tmp: string;
beforeAll(() => (tmp = mkdtempSync(path.join(tmpdir(), 'cleanplate-pth-'))));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** What make_pth.py's dtype_mix() holds, as float32 / int64 (float64 and bf16 values rounded as the reader must). */
function expectDtypeMix(sd: StateDict): void {
  const values = (key: string) => Array.from(sd.get(key)!.data as ArrayLike<number | bigint>);
  expect([...sd.keys()]).toEqual([
    'module.enc.conv.weight',
    'module.enc.conv.bias',
    'module.enc.norm.num_batches_tracked',
    'module.ind',
    'half',
    'bf16',
    'double',
    'shared.a',
    'shared.b',
    'scalar',
    'empty',
    'column',
    'param',
  ]);
  expect(sd.get('module.enc.conv.weight')!.shape).toEqual([2, 3, 1, 1]);
  expect(values('module.enc.conv.weight')).toEqual([0, 0.125, 0.25, 0.375, 0.5, 0.625]);
  expect(values('module.enc.conv.bias')).toEqual([-1.5, 2.25]);
  expect(sd.get('module.enc.norm.num_batches_tracked')).toEqual({ shape: [], data: BigInt64Array.of(7n) });
  expect(sd.get('module.ind')!.data).toEqual(BigInt64Array.of(0n, -1n, 2n ** 40n, 3n, 4n));
  expect(sd.get('half')!.data).toBeInstanceOf(Float32Array);
  expect(values('half')).toEqual([0.5, -2, 65504, 2 ** -24]);
  expect(values('bf16')).toEqual([1, -3.5, 2 ** 100]);
  expect(values('double')).toEqual([0.1, -0.2, 1e30, 3].map(Math.fround));
  expect(sd.get('double')!.shape).toEqual([2, 2]);
  expect(values('shared.a')).toEqual([2, 3, 4, 5]);
  expect(values('shared.b')).toEqual([6, 7, 8, 9, 10, 11]);
  expect(sd.get('shared.b')!.shape).toEqual([2, 3]);
  // One storage, read once: both tensors are views of the same buffer, not copies.
  expect(sd.get('shared.a')!.data.buffer).toBe(sd.get('shared.b')!.data.buffer);
  expect(sd.get('scalar')).toEqual({ shape: [], data: Float32Array.of(4.5) });
  expect(sd.get('empty')!.shape).toEqual([0, 3]);
  expect(sd.get('empty')!.data.length).toBe(0);
  expect(sd.get('column')).toEqual({ shape: [3, 1], data: Float32Array.of(0, 1, 2) });
  expect(values('param')).toEqual([1, 2]);
}

describe('reading checkpoints PyTorch wrote', () => {
  it('reads the zip format: every dtype, shared storage, 0-d, empty and Parameter tensors', async () => {
    const ckpt = await openCheckpoint(path.join(data, 'dtypes.pth'));
    expect(ckpt.format).toBe('zip');
    const half = ckpt.entries.find((e) => e.key === 'half');
    expect(half).toMatchObject({ kind: 'tensor', dtype: 'float16', shape: [4], contiguous: true });
    expectDtypeMix(await ckpt.readStateDict());
    await ckpt.close();
  });

  it('reads the legacy (pre-1.6) format to the same tensors', async () => {
    const ckpt = await openCheckpoint(path.join(data, 'dtypes-legacy.pth'));
    expect(ckpt.format).toBe('legacy');
    expectDtypeMix(await ckpt.readStateDict());
    await ckpt.close();
    expect(await readStateDict(path.join(data, 'dtypes-legacy.pth'))).toEqual(await readStateDict(path.join(data, 'dtypes.pth')));
  });

  it('flattens nested dictionaries with dots and strips a key prefix on request', async () => {
    expect([...(await readStateDict(path.join(data, 'nested.pth'))).keys()]).toEqual(['state_dict.enc.w']);
    const stripped = await readStateDict(path.join(data, 'dtypes.pth'), { stripPrefix: 'module.' });
    expect([...stripped.keys()].slice(0, 4)).toEqual(['enc.conv.weight', 'enc.conv.bias', 'enc.norm.num_batches_tracked', 'ind']);
    expect(stripped.has('half')).toBe(true);
  });

  it('accepts the byte-order record of newer PyTorch when it says little', async () => {
    expect((await readStateDict(path.join(data, 'byteorder-little.pth'))).get('state_dict.enc.w')!.data).toEqual(Float32Array.of(1, 1));
  });

  it('describes non-contiguous tensors and non-tensor entries without reading them, and refuses to load them', async () => {
    for (const file of ['transposed.pth', 'transposed-legacy.pth']) {
      const ckpt = await openCheckpoint(path.join(data, file));
      expect(ckpt.entries).toMatchObject([{ kind: 'tensor', key: 't', shape: [3, 2], stride: [1, 3], contiguous: false }]);
      await expect(ckpt.readStateDict()).rejects.toThrow(`${file} stores t with strides [1, 3] for shape [3, 2] (not contiguous); save it with .contiguous() first`);
      await ckpt.close();
    }
    const epoch = await openCheckpoint(path.join(data, 'with-epoch.pth'));
    expect(epoch.entries.map((e) => [e.key, e.kind])).toEqual([
      ['state_dict.enc.w', 'tensor'],
      ['state_dict.enc.b', 'tensor'],
      ['epoch', 'other'],
    ]);
    await expect(epoch.readStateDict()).rejects.toThrow('with-epoch.pth holds the number 3 at epoch, not a tensor');
    await epoch.close();
    await expect(readStateDict(path.join(data, 'int32.pth'))).rejects.toThrow('int32.pth stores x as int32; Cleanplate reads float and int64 tensors only');
  });
});

describe('refusing what is not a readable checkpoint, in one line naming the file', () => {
  const bad = (name: string, bytes: Uint8Array | string) => {
    const file = path.join(tmp, name);
    writeFileSync(file, bytes);
    return file;
  };
  const cut = (src: string, name: string, keep: number) => {
    const file = path.join(tmp, name);
    copyFileSync(path.join(data, src), file);
    truncateSync(file, keep);
    return file;
  };
  const cases: Array<[string, () => string, RegExp | string]> = [
    ['an empty file', () => bad('empty.pth', ''), 'empty.pth is empty'],
    ['an HTML error page', () => bad('page.pth', '<!DOCTYPE html>\n<html><body>404 Not Found</body></html>'), 'page.pth is a web page, not a PyTorch checkpoint (the server sent an error or sign-in page instead of the file)'],
    ['text', () => bad('notes.pth', 'weights go here\n'), 'notes.pth is not a PyTorch checkpoint (neither a zip archive nor a legacy torch.save file)'],
    ['an ONNX model', () => bad('graph.pth', Uint8Array.of(0x08, 0x09, 0x12, 0x04)), 'graph.pth is an ONNX model, not a PyTorch checkpoint'],
    ['a truncated zip', () => cut('dtypes.pth', 'cut.pth', 2000), 'cut.pth is incomplete: its zip archive ends early (was the download cut short?)'],
    ['a zip cut inside its directory', () => cut('dtypes.pth', 'cut-end.pth', statSync(path.join(data, 'dtypes.pth')).size - 30), /^cut-end\.pth is (incomplete|a damaged zip archive)/],
    ['a legacy file cut in its last storage', () => cut('dtypes-legacy.pth', 'cut-legacy.pth', statSync(path.join(data, 'dtypes-legacy.pth')).size - 5), /^cut-legacy\.pth is incomplete: storage \d+ ends 5 bytes past the end of the file \(was the download cut short\?\)$/],
    ['a legacy file cut between storages', () => cut('dtypes-legacy.pth', 'cut-legacy2.pth', 1700), /^cut-legacy2\.pth is incomplete: (it ends before storage \d+|storage \d+ ends \d+ bytes past the end of the file) \(was the download cut short\?\)$/],
    ['a legacy file with bytes appended', () => bad('longer.pth', Buffer.concat([readFileSync(path.join(data, 'dtypes-legacy.pth')), Buffer.from('abc')])), 'longer.pth is damaged: 3 unexpected bytes follow its last storage'],
    ['a legacy file cut inside its pickles', () => cut('dtypes-legacy.pth', 'cut-pickle.pth', 200), /^cut-pickle\.pth is incomplete or damaged: its pickles cannot be read/],
    ['a zip whose pickle is garbage', () => path.join(data, 'garbage-pickle.pth'), /^garbage-pickle\.pth is damaged: its pickle cannot be read \(.+\)$/],
    ['a whole pickled module', () => path.join(data, 'whole-module.pth'), 'whole-module.pth is not a state dict: it holds a whole pickled object (torch.nn.modules.linear.Linear), not a state dict of tensors'],
    ['big-endian storages', () => path.join(data, 'byteorder-big.pth'), 'byteorder-big.pth stores its tensors big-endian; Cleanplate reads little-endian checkpoints only (save it again on a little-endian machine)'],
    ['a folder', () => tmp, /^cleanplate-pth-\w+ is not a file$/],
    ['a missing file', () => path.join(tmp, 'nope.pth'), 'nope.pth does not exist'],
  ];
  for (const [what, make, message] of cases) {
    it(`refuses ${what}`, async () => {
      const err = await openCheckpoint(make()).then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.name).toBe('CheckpointError');
      if (typeof message === 'string') expect(err!.message).toBe(message);
      else expect(err!.message).toMatch(message);
      expect(err!.message).not.toContain('\n');
    });
  }

  it('finds a changed byte in a storage by its CRC-32 although the structure is intact', async () => {
    const file = path.join(tmp, 'flipped.pth');
    const bytes = readFileSync(path.join(data, 'tiny-release/recurrent_flow_completion.pth'));
    const quarter = Buffer.from(new Float32Array([0.25, 0.25, 0.25, 0.25]).buffer); // decoder.1.weight is all 0.25
    const at = bytes.indexOf(quarter);
    expect(at).toBeGreaterThan(0);
    bytes[at + 2] ^= 0x01;
    writeFileSync(file, bytes);
    const ckpt = await openCheckpoint(file);
    expect(ckpt.entries.map((e) => e.key)).toEqual(['downsample.0.weight', 'downsample.0.bias', 'decoder.1.weight']);
    await expect(ckpt.checkIntegrity()).rejects.toThrow(/^flipped\.pth is damaged: recurrent_flow_completion\/data\/\d+ fails its CRC-32 check$/);
    await expect(ckpt.readStateDict()).rejects.toThrow(/fails its CRC-32 check/);
    await ckpt.close();
  });

  it('names the file as asked (a download checks <file>.partial under its final name)', async () => {
    await expect(openCheckpoint(bad('raft-things.pth.partial', '<html></html>'), { name: 'raft-things.pth' })).rejects.toThrow(/^raft-things\.pth is a web page/);
  });
});
