"""Seeded random weights of ProPainter's real architecture, calibrated, as official-layout .pth files.

Plain random weights make a poor reference: the recurrent flow-completion network turns 1e-4 px of
input noise into tens of pixels of output change (its deformable offsets and residual recurrences
amplify), RAFT's refinement loop drifts by tens of pixels, and the generator's outputs saturate its
tanh. Comparing two implementations of a chaotic network measures the chaos, not the
implementations. So the weights here are random (seeded, uniform) with per-layer-family scales, then
calibrated on the clip itself so that every stage works in a realistic range:

- every convolution / linear layer starts variance-preserving for the activation that follows it
  (gain sqrt(2) before ReLU-like activations, 1 before attention and residual sums);
- RAFT: the batch-norm statistics of the context network are measured on the clip (as training would
  leave them); the feature map is centred and scaled to unit variance, so the correlation volume
  has the spread of a trained one; the flow head's last layer is balanced (zero sum per output
  channel) and scaled so the 20 refinement iterations end at a smooth field (RAFT's convex
  upsampling of a 1/8-size field) of nearly zero mean and FLOW_RMS pixels RMS. Random weights cannot track motion, so the forward and backward flows of a
  pair are alike rather than opposite; a field of this size lets image propagation's consistency
  check pass where it is small and fail where it is not, so propagation fills part of the hole
  and leaves the rest to the generator, as it does on real footage;
- both deformable alignments (flow completion's second-order one and the generator's flow-guided
  one): the offset head is scaled so the learned offsets are a fraction of a pixel (the trained
  networks refine a flow, they do not jump), the modulation logits spread around sigmoid's middle,
  and the recurrent residual branches are damped so that each propagation step contracts; this is
  what makes the recurrences stable;
- flow completion's last layer is scaled so the completed flow has the measured flow's spread;
- the generator's last layer is scaled so the painted hole spans the image range without
  saturating tanh.

What each calibration achieved is printed; the harness then measures each stage's stability (output
change for a tiny input perturbation) on the full clip with upstream's own inference.
"""
import argparse
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# Targets (see the module docstring): RMS of RAFT's flow in pixels, pre-tanh spread of the learned
# offsets (times 5 px in flow completion, 3 px in the generator), spread of the modulation logits,
# and the generator's pre-tanh output spread.
FLOW_RMS = 0.5
OFFSET_STD = 0.1
MODULATION_STD = 1.0
GENERATOR_PRE_TANH_STD = 0.8


def import_upstream(upstream):
    """Makes upstream's packages importable (with the harness's stand-ins for einops and tqdm)."""
    for p in (upstream, os.path.join(HERE, 'shim')):
        if p not in sys.path:
            sys.path.insert(0, p)


class Seeded:
    """Uniform draws from one torch generator, so the same seed gives the same files everywhere."""

    def __init__(self, seed):
        import torch
        self.torch = torch
        self.gen = torch.Generator().manual_seed(seed)

    def uniform(self, shape, std):
        t = self.torch.rand(shape, generator=self.gen, dtype=self.torch.float64) * 2 - 1
        return (t * std * math.sqrt(3)).float()


def initialise(sd, rng, gain_for):
    """Fills every float tensor of a state dict in place: weights uniform with std gain/sqrt(fan_in),
    biases and norm parameters near their neutral values (small noise, so they are exercised)."""
    for name, p in sd.items():
        if not p.is_floating_point():
            continue  # num_batches_tracked, the attention's rolled-key indices: kept as built
        leaf = name.rsplit('.', 1)[-1]
        if leaf == 'running_mean':
            p.zero_()
        elif leaf == 'running_var':
            p.fill_(1)
        elif p.dim() > 1:
            fan_in = p[0].numel()
            p.copy_(rng.uniform(p.shape, gain_for(name) / math.sqrt(fan_in)))
        elif leaf == 'weight':  # norm scales
            p.copy_(1 + rng.uniform(p.shape, 0.02))
        else:  # biases
            p.copy_(rng.uniform(p.shape, 0.01))


def gains(rules, default):
    """First rule whose text occurs in the tensor name wins."""

    def gain_for(name):
        for text, g in rules:
            if text in name:
                return g
        return default

    return gain_for


def capture(module, kind=None):
    """Collects the outputs of a submodule (every call) while the context is open."""

    class Capture:
        def __enter__(self):
            self.outputs = []
            self.handle = module.register_forward_hook(lambda m, i, o: self.outputs.append(o.detach()))
            return self

        def __exit__(self, *exc):
            self.handle.remove()

    return Capture()


def scale_rows(weight, bias, rows, factor):
    weight[rows] *= factor
    bias[rows] *= factor


# ---- RAFT ---------------------------------------------------------------------------------------

def raft_weights(frames, rng, report):
    """frames: [n, 3, H, W] in [-1, 1]. Returns RAFT's state dict (without the 'module.' prefix)."""
    import torch
    from RAFT import RAFT
    from model.propainter import fbConsistencyCheck
    args = argparse.Namespace(small=False, mixed_precision=False, alternate_corr=False)
    model = RAFT(args)
    sd = model.state_dict()
    initialise(sd, rng, gains([('update_block.flow_head.conv2', 0.01)], math.sqrt(2)))
    # centred feature map: a shared offset over all channels would add the same large value to every
    # correlation and drown the matches
    sd['fnet.conv2.weight'] -= sd['fnet.conv2.weight'].mean(1, keepdim=True)
    model.load_state_dict(sd)
    with torch.no_grad():
        # context network batch-norm statistics from the clip (cumulative average over one pass)
        for m in model.cnet.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.reset_running_stats()
                m.momentum = None
        model.cnet.train()
        model.cnet(frames)
        model.eval()
        fmap = model.fnet(frames)
        model.fnet.conv2.weight /= fmap.std()
        model.fnet.conv2.bias.zero_()
        # drift and flow scale: the flow head's last layer reads ReLU outputs (all positive), so any
        # net weight of an output channel becomes a uniform drift that the 20 refinement iterations
        # add up; weights of zero sum per output channel (and no bias) leave a field of zero mean,
        # and the loop is nearly linear in their scale at this size, which sets the spread
        head = model.update_block.flow_head.conv2
        head.weight -= head.weight.mean((1, 2, 3), keepdim=True)
        head.bias.zero_()
        pairs = (frames[:-1], frames[1:])
        for _ in range(2):
            _, flow = model(*pairs, iters=20, test_mode=True)
            head.weight *= FLOW_RMS / flow.pow(2).mean().sqrt().item()
        _, flow = model(*pairs, iters=20, test_mode=True)
        _, back = model(pairs[1], pairs[0], iters=20, test_mode=True)
    report['raft'] = {
        'flow_rms_px': flow.pow(2).mean().sqrt().item(),
        'flow_range_px': [flow.min().item(), flow.max().item()],
        'flow_mean_px': flow.mean((0, 2, 3)).tolist(),
        'forward_backward_consistent_fraction': fbConsistencyCheck(flow, back).mean().item(),
    }
    return model.state_dict(), flow, back


# ---- flow completion -----------------------------------------------------------------------------

def calibrate_deform_offsets(model, aligns, run, offset_std, modulation_std):
    """Scales the last offset conv of each alignment so the learned offsets (pre-tanh) have
    offset_std and the modulation logits modulation_std, measured over every call of a pass."""
    import torch
    for _ in range(2):
        caps = [capture(a.conv_offset[-1]) for a in aligns]
        for c in caps:
            c.__enter__()
        with torch.no_grad():
            run()
        for c in caps:
            c.__exit__()
        with torch.no_grad():
            for a, c in zip(aligns, caps):
                out = torch.cat(c.outputs)
                n = out.shape[1] // 3
                conv = a.conv_offset[-1]
                scale_rows(conv.weight, conv.bias, slice(0, 2 * n), offset_std / out[:, :2 * n].std().item())
                scale_rows(conv.weight, conv.bias, slice(2 * n, 3 * n), modulation_std / out[:, 2 * n:].std().item())


def rfc_weights(flows_f, flows_b, masks, rng, report):
    """flows_*: [1, t, 2, H, W]; masks: [1, t+1, 1, H, W]. Returns the flow-completion state dict."""
    import torch
    from model.recurrent_flow_completion import RecurrentFlowCompleteNet
    model = RecurrentFlowCompleteNet()
    sd = model.state_dict()
    initialise(sd, rng, gains([
        ('conv_offset.6', 0.1),
        # the deformable convolution that aligns the two previous steps' features, and the
        # residual branch added to them at every step: damped so one recurrent step contracts
        ('deform_align.backward_.weight', 0.6), ('deform_align.forward_.weight', 0.6),
        ('backbone.backward_.2', 0.3), ('backbone.forward_.2', 0.3),
        ('upsample.2.conv', 0.1),
    ], math.sqrt(2)))
    model.load_state_dict(sd)
    model.eval()

    def complete():
        pred, _ = model.forward_bidirect_flow((flows_f, flows_b), masks)
        return pred

    aligns = [model.feat_prop_module.deform_align[k] for k in ('backward_', 'forward_')]
    calibrate_deform_offsets(model, aligns, complete, OFFSET_STD, MODULATION_STD)
    hole = masks[:, :-1].expand_as(flows_f) > 0
    target = flows_f[~hole].std().item()
    with torch.no_grad():
        for _ in range(2):
            pred = complete()[0]
            factor = target / pred[hole].std().item()
            model.upsample[2].conv.weight *= factor
            model.upsample[2].conv.bias *= factor
        pred_f, pred_b = complete()
        done = model.combine_flow((flows_f, flows_b), (pred_f, pred_b), masks)
    report['flow_completion'] = {
        'measured_flow_std_px': target,
        'completed_in_hole_std_px': pred_f[hole].std().item(),
        'completed_in_hole_range_px': [pred_f[hole].min().item(), pred_f[hole].max().item()],
    }
    return model.state_dict(), done


# ---- generator -----------------------------------------------------------------------------------

def generator_weights(frames, masks, flows, rng, report):
    """One window of local frames: frames [1, t, 3, H, W], masks [1, t, 1, H, W], completed flows."""
    import torch
    from model.propainter import InpaintGenerator
    model = InpaintGenerator(init_weights=False)
    sd = model.state_dict()
    initialise(sd, rng, gains([
        ('conv_offset.6', 0.1),
        ('deform_align.backward_1.weight', 0.6), ('deform_align.forward_1.weight', 0.6),
        ('backbone.backward_1.2', 0.3), ('backbone.forward_1.2', 0.3), ('fuse.2', 0.5),
        # transformer: linear maps into attention and residual sums keep the variance; the
        # feed-forward's first layer feeds a GELU
        ('attention.', 1.0), ('mlp.fc2', 1.0), ('mlp.fc1', math.sqrt(2)),
        ('ss.embedding', 1.0),
        # soft composition folds overlapping patches (49 taps onto about 5.4 per position): scaled
        # back to the features' spread
        ('sc.embedding', 1.0 / math.sqrt(49 / 9)), ('sc.bias_conv', 1.0),
        ('decoder.6', 0.5),
    ], math.sqrt(2)))
    for name, p in sd.items():
        if name.endswith('pool_layer.weight'):  # an average pool, as upstream initialises it, perturbed
            p.copy_(1 / 16 + rng.uniform(p.shape, 0.01))
    model.load_state_dict(sd)
    model.eval()
    with torch.no_grad():
        masked = frames * (1 - masks)
        prop, updated = model.img_propagation(masked, flows, masks, 'nearest')
        b, t, _, h, w = frames.shape
        updated_frames = frames * (1 - masks) + prop.view(b, t, 3, h, w) * masks
        updated_masks = updated.view(b, t, 1, h, w)

    def generate():
        return model(updated_frames, flows, masks, updated_masks, t)

    aligns = [model.feat_prop_module.deform_align[k] for k in ('backward_1', 'forward_1')]
    calibrate_deform_offsets(model, aligns, generate, OFFSET_STD, MODULATION_STD)
    hole = masks.expand(b, t, 3, h, w).reshape(b * t, 3, h, w) > 0
    with torch.no_grad():
        for _ in range(2):
            with capture(model.decoder[-1]) as cap:
                generate()
            pre = cap.outputs[0]
            factor = GENERATOR_PRE_TANH_STD / pre[hole].std().item()
            model.decoder[-1].weight *= factor
            model.decoder[-1].bias *= factor
        out = generate().view(b * t, 3, h, w)
    report['propagation'] = {'hole_filled_fraction': 1 - (updated_masks.sum() / masks.sum()).item()}
    report['generator'] = {
        'hole_std': out[hole].std().item(),
        'hole_range': [out[hole].min().item(), out[hole].max().item()],
        'saturated_fraction': (out[hole].abs() > 0.99).float().mean().item(),
    }
    return model.state_dict()


# ---- files ---------------------------------------------------------------------------------------

def check_layout(sd, layout):
    """The written file must hold exactly the release file's tensors (name, shape, dtype)."""
    import torch
    want = {k: (tuple(s), d) for k, s, d in layout['tensors']}
    have = {k: (tuple(v.shape), str(v.dtype).replace('torch.', '')) for k, v in sd.items()}
    missing = sorted(set(want) - set(have))
    extra = sorted(set(have) - set(want))
    wrong = sorted(k for k in want.keys() & have.keys() if want[k] != have[k])
    if missing or extra or wrong:
        raise SystemExit(f"{layout['file']}: layout differs from the release file: missing {missing[:3]}, "
                         f"unexpected {extra[:3]}, wrong shape or dtype {wrong[:3]}")


def load_clip(frames_dir, masks_dir, count, dilation):
    """The first `count` frames (RGB, [-1, 1]) and masks dilated as upstream's CLI does."""
    import numpy as np
    import scipy.ndimage
    import torch
    from PIL import Image
    names = sorted(os.listdir(frames_dir))[:count]
    masks = sorted(os.listdir(masks_dir))[:count]
    rgb = np.stack([np.array(Image.open(os.path.join(frames_dir, n)).convert('RGB')) for n in names])
    hole = np.stack([scipy.ndimage.binary_dilation(np.array(Image.open(os.path.join(masks_dir, n)).convert('L')) > 0,
                                                   iterations=dilation) for n in masks])
    frames = torch.from_numpy(rgb).permute(0, 3, 1, 2).float() / 255 * 2 - 1
    return frames, torch.from_numpy(hole.astype('float32'))[:, None]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--upstream', required=True, help='a checkout of sczhou/ProPainter')
    ap.add_argument('--frames', required=True, help='frames folder the weights are calibrated on')
    ap.add_argument('--masks', required=True)
    ap.add_argument('--out', required=True, help='folder that receives the three .pth files')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--calibration-frames', type=int, default=4)
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    args = ap.parse_args()
    import_upstream(os.path.abspath(args.upstream))
    import torch
    torch.set_num_threads(args.threads)
    layout = json.load(open(os.path.join(HERE, '..', '..', 'main', 'models', 'weights', 'official-weights.json')))
    files = {f['network']: f for f in layout['files']}

    frames, masks = load_clip(args.frames, args.masks, args.calibration_frames, 4)
    report = {}
    rng = Seeded(args.seed)
    raft, flows_f, flows_b = raft_weights(frames, rng, report)
    rfc, done = rfc_weights(flows_f[None], flows_b[None], masks[None], rng, report)
    generator = generator_weights(frames[None], masks[None], done, rng, report)

    os.makedirs(args.out, exist_ok=True)
    for network, sd in (('raft', {'module.' + k: v for k, v in raft.items()}), ('flowCompletion', rfc), ('generator', generator)):
        check_layout(sd, files[network])
        target = os.path.join(args.out, files[network]['file'])
        torch.save(sd, target + '.partial')
        os.replace(target + '.partial', target)
    print(json.dumps(report))


if __name__ == '__main__':
    main()
