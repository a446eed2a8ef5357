// Structural verification of the release files: the official layout itself, and the tiny stand-ins
// of the three files (test/data/pth/tiny-release, made by make_pth.py) checked against their layout —
// a good file passes, and a missing, extra, reshaped, retyped or swapped tensor is the one line.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkWeightsFile, firstMismatch, officialLayout, officialLayouts, readProPainterWeights, type WeightsLayout } from '../../main/models/weights';
import { openCheckpoint } from '../../main/models/pth';
import { pthDataDir as data, tinyLayouts as tiny, tinyReleaseDir } from '../helpers/pth';

const tinyFile = (file: string) => path.join(tinyReleaseDir, file);
const layoutOf = (file: string) => tiny.find((l) => l.file === file)!;
const check = (file: string, layout: WeightsLayout) => checkWeightsFile(tinyFile(file), layout, { integrity: true, others: tiny });

describe('the official layout', () => {
  it('lists the three release files with every tensor, RAFT under its DataParallel prefix', () => {
    const layouts = officialLayouts();
    expect(layouts.map((l) => [l.file, l.network, l.tensors.length])).toEqual([
      ['raft-things.pth', 'raft', 179],
      ['recurrent_flow_completion.pth', 'flowCompletion', 74],
      ['ProPainter.pth', 'generator', 216],
    ]);
    expect(layouts[0]!.tensors.every(([k]) => k.startsWith('module.'))).toBe(true);
    expect(officialLayout('ProPainter.pth')!.tensors.filter(([, , dtype]) => dtype === 'int64').map(([k]) => k)).toContain('transformers.transformer.0.attention.valid_ind_rolled');
    expect(officialLayout('other.pth')).toBeNull();
  });
});

describe('checkWeightsFile', () => {
  it('passes each file against its own layout (zip and legacy format), integrity included', async () => {
    for (const l of tiny) expect(await check(l.file, l)).toBeNull();
  });

  it('names the first mismatch: missing, reshaped, retyped and unexpected tensors', async () => {
    const raft = layoutOf('raft-things.pth');
    const withExtra: WeightsLayout = { ...raft, tensors: [...raft.tensors, ['module.fnet.conv2.weight', [4], 'float32']] };
    expect(await check('raft-things.pth', withExtra)).toBe('raft-things.pth has no tensor module.fnet.conv2.weight');
    const reshaped: WeightsLayout = { ...raft, tensors: raft.tensors.map((t, i) => (i === 0 ? [t[0], [4, 3, 3, 5], t[2]] : t)) };
    expect(await check('raft-things.pth', reshaped)).toBe('raft-things.pth has module.fnet.conv1.weight of shape [4, 3, 3, 3], expected [4, 3, 3, 5]');
    const retyped: WeightsLayout = { ...raft, tensors: raft.tensors.map((t, i) => (i === 1 ? [t[0], t[1], 'int64'] : t)) };
    expect(await check('raft-things.pth', retyped)).toBe('raft-things.pth stores module.fnet.conv1.bias as float32, expected int64');
    const floatBuffer: WeightsLayout = { ...raft, tensors: raft.tensors.map((t) => (t[2] === 'int64' ? [t[0], t[1], 'float32'] : t)) };
    expect(await check('raft-things.pth', floatBuffer)).toBe('raft-things.pth stores module.cnet.norm1.num_batches_tracked as int64, expected a float tensor');
    const fewer: WeightsLayout = { ...raft, tensors: raft.tensors.filter(([k]) => k !== 'module.cnet.norm1.weight') };
    expect(await check('raft-things.pth', fewer)).toBe('raft-things.pth has an unexpected tensor module.cnet.norm1.weight');
  });

  it('says when a file is another release file under the wrong name', async () => {
    expect(await check('ProPainter.pth', layoutOf('raft-things.pth'))).toBe(
      'raft-things.pth has no tensor module.fnet.conv1.weight (it holds the tensors of ProPainter.pth: the files were swapped or renamed)',
    );
  });

  it('accepts float parameters stored in any float precision, and refuses non-tensor entries', async () => {
    const ckpt = await openCheckpoint(path.join(data, 'dtypes.pth'));
    const layout = (keys: [string, number[]][]): WeightsLayout => ({ file: 'dtypes.pth', network: 'raft', keyPrefix: '', tensors: keys.map(([k, s]) => [k, s, 'float32']) });
    const floats: [string, number[]][] = [
      ['half', [4]],
      ['bf16', [3]],
      ['double', [2, 2]],
    ];
    const onlyFloats = ckpt.entries.filter((e) => floats.some(([k]) => k === e.key));
    expect(firstMismatch(onlyFloats, layout(floats))).toBeNull();
    await ckpt.close();
    const epoch = await openCheckpoint(path.join(data, 'with-epoch.pth'));
    expect(firstMismatch(epoch.entries, layout([['state_dict.enc.w', [2]], ['state_dict.enc.b', [1]]]))).toBe('has an unexpected entry epoch (the number 3)');
    expect(firstMismatch(epoch.entries, layout([['epoch', []]]))).toBe('holds the number 3 at epoch, not a tensor');
    await epoch.close();
  });

  it('turns a reader refusal into the same one line, under the name given', async () => {
    expect(await checkWeightsFile(path.join(data, 'whole-module.pth'), layoutOf('ProPainter.pth'), { name: 'ProPainter.pth' })).toBe(
      'ProPainter.pth is not a state dict: it holds a whole pickled object (torch.nn.modules.linear.Linear), not a state dict of tensors',
    );
  });
});

describe('readProPainterWeights', () => {
  it('reads the three networks with the key prefix removed, as the graph builder consumes them', async () => {
    const w = await readProPainterWeights(tiny.map((layout) => ({ path: tinyFile(layout.file), layout })));
    expect([...w.raft.keys()]).toEqual(['fnet.conv1.weight', 'fnet.conv1.bias', 'cnet.norm1.weight', 'cnet.norm1.num_batches_tracked']);
    expect(w.raft.get('fnet.conv1.bias')!.data).toEqual(Float32Array.of(0.1, 0.2, 0.3, 0.4));
    expect(w.flowCompletion.get('decoder.1.weight')!.data).toEqual(new Float32Array(2 * 8 * 3 * 3).fill(0.25));
    expect(w.generator.get('transformers.transformer.0.attention.valid_ind_rolled')!.data).toEqual(BigInt64Array.from({ length: 10 }, (_, i) => BigInt(i)));
  });

  it('refuses a file that does not match, naming it', async () => {
    const swapped = tiny.map((layout) => ({ path: tinyFile(layout.file === 'raft-things.pth' ? 'ProPainter.pth' : layout.file), layout }));
    await expect(readProPainterWeights(swapped)).rejects.toThrow(/^raft-things\.pth has no tensor module\.fnet\.conv1\.weight/);
  });
});
