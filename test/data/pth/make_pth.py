"""Writes the small PyTorch checkpoints the .pth reader and the model manager are tested on.

Run from the repository root with Debian's PyTorch (never part of `npm test`):

    /usr/bin/python3 test/data/pth/make_pth.py

Every file is a few KB. The tensors hold exact, easily predicted values (the tests compute the same
numbers in TypeScript), in every storage dtype the reader converts, with the layouts torch.save
really produces: a shared storage with offsets, a 0-d tensor, an empty tensor, a Parameter, a
non-contiguous (transposed) tensor, and both the zip format (torch >= 1.6) and the legacy format.
The legacy files name their storages after memory addresses, so they differ byte-wise between runs.
"""
import collections
import json
import os
import shutil
import zipfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def save(obj, name, legacy=False):
    torch.save(obj, os.path.join(HERE, name), _use_new_zipfile_serialization=not legacy)


def state_dict():
    """An OrderedDict carrying `_metadata`, as nn.Module.state_dict() returns (pickled as BUILD state)."""
    sd = collections.OrderedDict()
    sd._metadata = collections.OrderedDict([('', {'version': 1})])
    return sd


def dtype_mix():
    """One of everything the reader must turn into float32 / int64, in state-dict form."""
    sd = state_dict()
    sd['module.enc.conv.weight'] = (torch.arange(6, dtype=torch.float32) / 8).view(2, 3, 1, 1)
    sd['module.enc.conv.bias'] = torch.tensor([-1.5, 2.25])
    sd['module.enc.norm.num_batches_tracked'] = torch.tensor(7)
    sd['module.ind'] = torch.tensor([0, -1, 2 ** 40, 3, 4], dtype=torch.int64)
    # float16: a normal, a negative, the largest finite value and the smallest subnormal.
    sd['half'] = torch.tensor([0.5, -2.0, 65504.0, 2.0 ** -24], dtype=torch.float16)
    sd['bf16'] = torch.tensor([1.0, -3.5, 2.0 ** 100], dtype=torch.bfloat16)
    sd['double'] = torch.tensor([[0.1, -0.2], [1e30, 3.0]], dtype=torch.float64)
    # Two views of one storage, each at its own offset: saved once, read once.
    base = torch.arange(12, dtype=torch.float32)
    sd['shared.a'] = base[2:6]
    sd['shared.b'] = base[6:12].view(2, 3)
    sd['scalar'] = torch.tensor(4.5)
    sd['empty'] = torch.zeros(0, 3)
    # A size-1 dimension may have any stride and is still contiguous.
    sd['column'] = torch.arange(3, dtype=torch.float32).view(3, 1)
    sd['param'] = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    return sd


def tiny_release():
    """Three files with the official names and tiny tensors, plus their layout (official-weights.json's form)."""
    raft = state_dict()
    raft['module.fnet.conv1.weight'] = torch.linspace(-1, 1, 4 * 3 * 3 * 3).view(4, 3, 3, 3)
    raft['module.fnet.conv1.bias'] = torch.tensor([0.1, 0.2, 0.3, 0.4])
    raft['module.cnet.norm1.weight'] = torch.ones(4)
    raft['module.cnet.norm1.num_batches_tracked'] = torch.tensor(0)
    rfc = state_dict()
    rfc['downsample.0.weight'] = torch.linspace(0, 1, 8 * 3 * 5 * 5).view(8, 3, 5, 5)
    rfc['downsample.0.bias'] = torch.zeros(8)
    rfc['decoder.1.weight'] = torch.full((2, 8, 3, 3), 0.25)
    gen = state_dict()
    gen['encoder.layers.0.weight'] = torch.linspace(-0.5, 0.5, 16 * 5 * 3 * 3).view(16, 5, 3, 3)
    gen['encoder.layers.0.bias'] = torch.zeros(16)
    gen['transformers.transformer.0.attention.valid_ind_rolled'] = torch.arange(10, dtype=torch.int64)
    gen['decoder.2.weight'] = torch.full((3, 16, 3, 3), -0.125)
    out = os.path.join(HERE, 'tiny-release')
    os.makedirs(out, exist_ok=True)
    # raft-things.pth predates torch 1.6 upstream, so the tiny one uses the legacy format too.
    files = [('raft-things.pth', 'raft', 'module.', raft, True),
             ('recurrent_flow_completion.pth', 'flowCompletion', '', rfc, False),
             ('ProPainter.pth', 'generator', '', gen, False)]
    layout = {'about': 'Tiny stand-ins for the three release files (test/data/pth/make_pth.py); same form as main/models/weights/official-weights.json.', 'files': []}
    for name, network, prefix, sd, legacy in files:
        torch.save(sd, os.path.join(out, name), _use_new_zipfile_serialization=not legacy)
        layout['files'].append({'file': name, 'network': network, 'keyPrefix': prefix,
                                'tensors': [[k, list(v.shape), str(v.dtype).replace('torch.', '')] for k, v in sd.items()]})
    with open(os.path.join(HERE, 'tiny-layout.json'), 'w') as f:
        f.write(layout_json(layout))


def layout_json(layout):
    """official-weights.json's formatting: one tensor per line."""
    files = []
    for entry in layout['files']:
        tensors = ',\n'.join('    ' + json.dumps(t) for t in entry['tensors'])
        head = ', '.join(f'{json.dumps(k)}: {json.dumps(entry[k])}' for k in ('file', 'network', 'keyPrefix'))
        files.append(f'  {{\n   {head},\n   "tensors": [\n{tensors}\n   ]\n  }}')
    return '{\n "about": ' + json.dumps(layout['about']) + ',\n "files": [\n' + ',\n'.join(files) + '\n ]\n}\n'


def with_byteorder(src, dst, order):
    """A zip checkpoint with the byteorder record torch >= 2.1 writes (torch 1.13 writes none)."""
    with zipfile.ZipFile(os.path.join(HERE, src)) as zin, zipfile.ZipFile(os.path.join(HERE, dst), 'w', zipfile.ZIP_STORED) as zout:
        prefix = zin.namelist()[0].split('/')[0]
        stem = os.path.splitext(dst)[0]
        for item in zin.infolist():
            zout.writestr(item.filename.replace(prefix + '/', stem + '/', 1), zin.read(item.filename))
        zout.writestr(stem + '/byteorder', order)


def garbage_pickle(dst):
    """A well-formed zip whose data.pkl is not a pickle (valid CRC-32: only the unpickler can tell)."""
    stem = os.path.splitext(dst)[0]
    with zipfile.ZipFile(os.path.join(HERE, dst), 'w', zipfile.ZIP_STORED) as z:
        z.writestr(stem + '/data.pkl', bytes(range(7, 250, 3)))
        z.writestr(stem + '/version', '3\n')


def main():
    torch.manual_seed(0)
    save(dtype_mix(), 'dtypes.pth')
    save(dtype_mix(), 'dtypes-legacy.pth', legacy=True)
    save({'t': torch.arange(6, dtype=torch.float32).view(2, 3).t()}, 'transposed.pth')
    save({'t': torch.arange(6, dtype=torch.float32).view(2, 3).t()}, 'transposed-legacy.pth', legacy=True)
    save({'state_dict': collections.OrderedDict([('enc.w', torch.ones(2)), ('enc.b', torch.zeros(1))]), 'epoch': 3}, 'with-epoch.pth')
    save({'state_dict': {'enc': {'w': torch.ones(2)}}}, 'nested.pth')
    save({'x': torch.zeros(2, dtype=torch.int32)}, 'int32.pth')
    with_byteorder('nested.pth', 'byteorder-big.pth', 'big')
    with_byteorder('nested.pth', 'byteorder-little.pth', 'little')
    save(torch.nn.Linear(2, 1), 'whole-module.pth')
    garbage_pickle('garbage-pickle.pth')
    tiny_release()
    for name in sorted(os.listdir(HERE)):
        p = os.path.join(HERE, name)
        if os.path.isfile(p):
            print(f'{name:36s} {os.path.getsize(p):6d} bytes')


if __name__ == '__main__':
    main()
