"""Stage-by-stage comparison of two ProPainter runs on the same clip (numpy only).

A run is either upstream_run.py's dump (.npy, windows.npz) or the product's engine trace
(CLEANPLATE_PROPAINTER_TRACE with tensors: raw <stage>_<index>.f32/.u8 files and tensors.json), plus
optionally the product's written frames (the CLI's PNG folder). Both become the same arrays:

  raft_forward, raft_backward, completed_forward, completed_backward  [T-1, 2, H, W] pixels
  propagated [T, 3, H, W] in [-1, 1]; propagated_masks, masks [T, H, W] 0/1
  windows: list of [L, 3, H, W] in [-1, 1] (the generator's decoded local frames per window)
  final [T, H, W, 3] uint8 (the engine's frames at processing size), written [T, H, W, 3] (files)

stage_table() gives, per stage, the max and mean absolute difference and the figures that say the
values are not degenerate; hole_psnr() the PSNR of final frames inside the hole's interior.
"""
import json
import os

import numpy as np

STAGES = ('raft_forward', 'raft_backward', 'completed_forward', 'completed_backward', 'propagated', 'propagated_masks', 'masks', 'final')


def load_upstream(folder):
    run = {name: np.load(os.path.join(folder, name + '.npy')) for name in STAGES}
    with np.load(os.path.join(folder, 'windows.npz')) as z:
        run['windows'] = [z[f'arr_{i}'] for i in range(len(z.files))]
    return run


def load_product(folder, written=None):
    shapes = json.load(open(os.path.join(folder, 'tensors.json')))
    files = sorted(os.listdir(folder))

    def stage(name):
        items = [f for f in files if f.startswith(name + '_') and f[len(name) + 1:len(name) + 6].isdigit()]
        dtype = np.float32 if items and items[0].endswith('.f32') else np.uint8
        arrays = [np.fromfile(os.path.join(folder, f), dtype='<f4' if dtype == np.float32 else np.uint8) for f in items]
        return arrays

    run = {}
    for name in STAGES:
        run[name] = np.stack([a.reshape(shapes[name]) for a in stage(name)])
    h, w = run['masks'].shape[1:]
    run['windows'] = [a.reshape(-1, 3, h, w) for a in stage('window')]
    if written:
        from PIL import Image
        names = sorted(n for n in os.listdir(written) if n.endswith('.png'))
        run['written'] = np.stack([np.array(Image.open(os.path.join(written, n)).convert('RGB')) for n in names])
    return run


def erode_cross(mask, iterations):
    """The hole's interior: pixels at L1 distance > iterations from any non-hole pixel (0: the hole)."""
    import scipy.ndimage
    if iterations == 0:  # scipy's erosion repeats until nothing changes when given 0 iterations
        return mask > 0
    return np.stack([scipy.ndimage.binary_erosion(m > 0, iterations=iterations, border_value=1) for m in mask])


def diff(a, b, where=None):
    d = np.abs(a.astype(np.float64) - b.astype(np.float64))
    if where is not None:
        d = d[np.broadcast_to(where, d.shape)]
    return (float(d.max()) if d.size else 0.0), (float(d.mean()) if d.size else 0.0)


def psnr(a, b, where):
    d = a.astype(np.float64) - b.astype(np.float64)
    mse = float(np.mean(d[np.broadcast_to(where[..., None], d.shape)] ** 2))
    return float('inf') if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def stage_table(ref, other, interior_px):
    """Rows of (stage, region, max, mean, note) comparing `other` with `ref`."""
    rows = []
    hole = ref['masks'] > 0  # [T, H, W]
    differ = int(((other['masks'] > 0) != hole).sum())
    rows.append(('masks', 'frame', float(differ), differ / hole.size, 'pixels / fraction'))
    flow_hole_f = hole[:-1, None]
    flow_hole_b = hole[1:, None]
    for name, h in (('raft_forward', None), ('raft_backward', None)):
        rows.append((name, 'frame', *diff(ref[name], other[name]), 'px'))
    for name, h in (('completed_forward', flow_hole_f), ('completed_backward', flow_hole_b)):
        rows.append((name, 'hole (predicted part)', *diff(ref[name], other[name], h), 'px'))
    rows.append(('propagated', 'hole', *diff(ref['propagated'], other['propagated'], hole[:, None]), '[-1, 1]'))
    disagree = int((ref['propagated_masks'] != other['propagated_masks']).sum())
    rows.append(('propagated_masks', 'hole', float(disagree), disagree / max(1, int(hole.sum())), 'pixels / fraction'))
    if len(ref['windows']) != len(other['windows']) or any(a.shape != b.shape for a, b in zip(ref['windows'], other['windows'])):
        raise SystemExit(f"the runs' transformer windows differ: {[a.shape[0] for a in ref['windows']]} vs {[b.shape[0] for b in other['windows']]}")
    wins = np.concatenate(ref['windows']), np.concatenate(other['windows'])
    local_hole = np.concatenate([hole[local_ids(len(ref['masks']), w)] for w in range(len(ref['windows']))])[:, None]
    rows.append(('generator', 'hole', *diff(*wins, local_hole), '[-1, 1]'))
    rows.append(('generator', 'frame', *diff(*wins), '[-1, 1]'))
    interior = erode_cross(ref['masks'], interior_px)
    rows.append(('final (engine)', 'hole', *diff(ref['final'], other['final'], hole[..., None]), '0-255'))
    if 'written' in other:
        rows.append(('final (written)', f'hole interior ({interior_px} px in)', *diff(ref['final'], other['written'], interior[..., None]), '0-255'))
    return rows


def local_ids(count, w, neighbor_length=10):
    """Upstream's local frames of window w (inference_propainter.py's neighbor_ids)."""
    stride = neighbor_length // 2
    f = w * stride
    return list(range(max(0, f - stride), min(count, f + stride + 1)))


def hole_psnr(ref, frames, interior_px):
    interior = erode_cross(ref['masks'], interior_px)
    per_frame = [psnr(ref['final'][i], frames[i], interior[i]) for i in range(len(frames))]
    return psnr(ref['final'], frames, interior), min(per_frame)


def value_ranges(run):
    """Figures that show the values are not degenerate."""
    hole = run['masks'] > 0
    flows = np.concatenate([run['raft_forward'], run['raft_backward']])
    completed = run['completed_forward'][np.broadcast_to(hole[:-1, None], run['completed_forward'].shape)]
    painted = np.concatenate(run['windows'])
    local_hole = np.concatenate([hole[local_ids(len(hole), w)] for w in range(len(run['windows']))])[:, None]
    painted_hole = painted[np.broadcast_to(local_hole, painted.shape)]
    final_hole = run['final'][np.broadcast_to(hole[..., None], run['final'].shape)].astype(np.float64)
    return {
        'raft flow std / range (px)': (float(flows.std()), float(flows.min()), float(flows.max())),
        'completed flow in hole std / range (px)': (float(completed.std()), float(completed.min()), float(completed.max())),
        'hole filled by propagation (fraction)': (1 - float(run['propagated_masks'].sum()) / max(1, int(hole.sum())),),
        'generator output in hole std / range': (float(painted_hole.std()), float(painted_hole.min()), float(painted_hole.max())),
        'final frames in hole std / range (0-255)': (float(final_hole.std()), float(final_hole.min()), float(final_hole.max())),
    }
