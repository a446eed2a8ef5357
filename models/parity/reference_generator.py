#!/usr/bin/env python3
"""Golden data for the product's InpaintGenerator graphs (main/models/builder/generator*.ts):
loads the seeded random weights (written by write-generator-weights.ts) into upstream's own
InpaintGenerator, runs upstream's modules on small deterministic inputs, and writes inputs and
expected outputs as .npy for test/unit/generator-graphs.test.ts.

    npx tsx models/parity/write-generator-weights.ts /tmp/pp-weights 1
    /usr/bin/python3 models/parity/reference_generator.py --upstream /path/to/ProPainter \\
        --weights /tmp/pp-weights --out test/data/golden/generator

Upstream (sczhou/ProPainter) is imported from --upstream, never copied. Debian's PyTorch 1.13 is
enough; upstream's one use of einops (a transpose) is served by a stand-in module below.

Inputs are stored as float16 (and used by the reference exactly as rounded, so both sides see the
same numbers) to keep the committed files small; expected outputs are float32.
"""
import argparse
import json
import os
import sys
import types

import numpy as np
import torch
import torch.nn.functional as F


def install_einops_stand_in():
    """Upstream imports einops.rearrange for one pure permutation ('b t c h w -> b t h w c')."""
    if "einops" in sys.modules:
        return
    module = types.ModuleType("einops")

    def rearrange(x, pattern):
        src, dst = [side.split() for side in pattern.split("->")]
        if sorted(src) != sorted(dst):
            raise ValueError(f"the einops stand-in only permutes axes, not {pattern!r}")
        return x.permute(*[src.index(d) for d in dst])

    module.rearrange = rearrange
    sys.modules["einops"] = module


def load_generator(upstream, weights_dir):
    install_einops_stand_in()
    sys.path.insert(0, os.path.abspath(upstream))
    from model.propainter import InpaintGenerator  # noqa: E402  (upstream, from the command line)

    gen = InpaintGenerator(init_weights=False)
    state = {}
    for name in sorted(os.listdir(weights_dir)):
        if name.endswith(".npy"):
            state[name[: -len(".npy")]] = torch.from_numpy(np.load(os.path.join(weights_dir, name)))
    gen.load_state_dict(state, strict=True)
    return gen.eval()


# ---- deterministic inputs ---------------------------------------------------------------------


def smooth_noise(rng, shape, h, w, cells):
    """Random values on a coarse grid, bilinearly enlarged: image-like, not white noise."""
    coarse = torch.from_numpy(rng.uniform(-1, 1, size=(*shape, cells, cells)).astype(np.float32))
    return F.interpolate(coarse.view(-1, 1, cells, cells), size=(h, w), mode="bilinear", align_corners=True).view(*shape, h, w)


def blob_masks(rng, n, h, w, boxes):
    """n masks [n, 1, h, w] in {0, 1}: the union of per-frame jittered boxes (y0, x0, y1, x1) given
    as fractions of the size."""
    out = torch.zeros(n, 1, h, w)
    for i in range(n):
        for y0, x0, y1, x1 in boxes:
            dy, dx = rng.integers(-1, 2, size=2)
            a, b = max(0, int(y0 * h) + dy), min(h, int(y1 * h) + dy)
            c, d = max(0, int(x0 * w) + dx), min(w, int(x1 * w) + dx)
            out[i, 0, a:b, c:d] = 1
    return out


def updated_subset(rng, masks):
    """What image propagation could not fill: a part of each hole."""
    keep = (torch.from_numpy(rng.uniform(size=masks.shape)).float() < 0.6).float()
    return masks * keep


def flow_pair(rng, n, h, w, magnitude):
    """Forward flows and roughly opposite backward flows [n, 2, h, w] (the consistency check passes
    in most places), with a disagreeing patch so that it also fails somewhere."""
    fwd = smooth_noise(rng, (n, 2), h, w, 3) * magnitude
    bwd = -fwd + smooth_noise(rng, (n, 2), h, w, 4) * 0.2
    bwd[:, :, : h // 3, w // 2 :] += magnitude * 2
    return fwd, bwd


def half(t):
    """Rounds to float16 and back: the value the .npy file stores and both sides compute with."""
    return t.to(torch.float16).to(torch.float32)


# ---- writing ----------------------------------------------------------------------------------


class Case:
    def __init__(self, root, name):
        self.dir = os.path.join(root, name)
        os.makedirs(self.dir, exist_ok=True)
        self.meta = {"inputs": {}, "expected": {}}

    def input(self, name, t):
        t = t.detach()
        if t.dtype == torch.bool:
            np.save(os.path.join(self.dir, name + ".npy"), t.numpy())
        else:
            np.save(os.path.join(self.dir, name + ".npy"), t.to(torch.float16).numpy())
        self.meta["inputs"][name] = list(t.shape)

    def expected(self, name, t):
        t = t.detach().float()
        np.save(os.path.join(self.dir, name + ".npy"), t.numpy())
        a = t.abs()
        self.meta["expected"][name] = {
            "shape": list(t.shape),
            "min": float(t.min()),
            "max": float(t.max()),
            "mean_abs": float(a.mean()),
            "std": float(t.std()),
        }
        print(f"  {name:<14} {str(list(t.shape)):<22} range [{float(t.min()):8.3f}, {float(t.max()):8.3f}]  mean|x| {float(a.mean()):.3f}")

    def close(self, **extra):
        self.meta.update(extra)
        with open(os.path.join(self.dir, "case.json"), "w") as f:
            json.dump(self.meta, f, indent=1)


def encode(gen, frames, masks_in, masks_updated):
    return gen.encoder(torch.cat([frames, masks_in, masks_updated], dim=1))


@torch.no_grad()
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--upstream", required=True, help="a checkout of sczhou/ProPainter (imported, never copied)")
    ap.add_argument("--weights", required=True, help="folder written by write-generator-weights.ts")
    ap.add_argument("--out", required=True, help="golden folder (test/data/golden/generator)")
    ap.add_argument("--seed", type=int, default=7, help="seed of the inputs")
    args = ap.parse_args()

    torch.set_num_threads(max(1, torch.get_num_threads()))
    gen = load_generator(args.upstream, args.weights)
    with open(os.path.join(args.weights, "weights.json")) as f:
        weights_meta = json.load(f)
    rng = np.random.default_rng(args.seed)
    os.makedirs(args.out, exist_ok=True)

    # -- pp_encoder: two frames at 32x32 -------------------------------------------------------
    print("pp_encoder")
    c = Case(args.out, "encoder")
    n, h, w = 2, 32, 32
    masks_in = blob_masks(rng, n, h, w, [(0.25, 0.3, 0.7, 0.8)])
    masks_upd = updated_subset(rng, masks_in)
    frames = half(smooth_noise(rng, (n, 3), h, w, 5) * (1 - masks_upd))
    c.input("frames", frames)
    c.input("masks_in", masks_in.bool())
    c.input("masks_updated", masks_upd.bool())
    c.expected("feat", encode(gen, frames, masks_in, masks_upd))
    c.close()

    # -- pp_prop_backward / pp_prop_forward: upstream's whole BidirectionalPropagation over 3 local
    #    frames at 1/4 size 8x8 (the test chains the step graphs as the engine does) --------------
    print("feature propagation")
    c = Case(args.out, "propagation")
    l, h, w = 3, 32, 32
    h4, w4 = h // 4, w // 4
    m = blob_masks(rng, l, h, w, [(0.2, 0.2, 0.6, 0.7)])
    mu = updated_subset(rng, m)
    feat = half(encode(gen, smooth_noise(rng, (l, 3), h, w, 5) * (1 - mu), m, mu))
    flows_f, flows_b = (half(f) for f in flow_pair(rng, l - 1, h4, w4, 1.5))
    masks4 = torch.cat([m[:, :, ::4, ::4], mu[:, :, ::4, ::4]], dim=1)  # nearest at 1/4: pixel (4y, 4x)
    c.input("feat", feat)
    c.input("flows_forward", flows_f)
    c.input("flows_backward", flows_b)
    c.input("masks", masks4.bool())
    outputs_b, outputs_f, fused, _ = gen.feat_prop_module(
        feat.unsqueeze(0), flows_f.unsqueeze(0), flows_b.unsqueeze(0), masks4.unsqueeze(0), "bilinear"
    )
    c.expected("feat_backward", outputs_b[0])
    c.expected("feat_forward", outputs_f[0])
    c.expected("feat_fused", fused[0])
    c.close()

    # -- pp_transformer: 3 frames (2 local + 1 reference) at 1/4 size 20x32; token grid 7x11,
    #    padded to 10x18 (2x2 windows); holes in windows (0,0) and (1,1) only --------------------
    print("pp_transformer")
    c = Case(args.out, "transformer")
    t, l, h, w = 3, 2, 80, 128
    m = blob_masks(rng, t, h, w, [(0.0, 0.0, 0.2, 0.2), (0.88, 0.9, 0.97, 0.97)])
    mu = updated_subset(rng, m)
    feat = half(encode(gen, smooth_noise(rng, (t, 3), h, w, 6) * (1 - mu), m, mu))
    transformer_case(c, gen, feat, m[:l, :, ::4, ::4])

    # -- pp_transformer with a single frame (a one-frame clip): the odd blocks' T_ind is empty, so
    #    upstream's masked windows attend to nothing there ------------------------------------------
    print("pp_transformer, one frame")
    c = Case(args.out, "transformer_single")
    m = blob_masks(rng, 1, 32, 48, [(0.2, 0.2, 0.6, 0.6)])
    transformer_case(c, gen, half(encode(gen, smooth_noise(rng, (1, 3), 32, 48, 4), m, m)), m[:, :, ::4, ::4])

    # -- pp_decoder -----------------------------------------------------------------------------
    print("pp_decoder")
    c = Case(args.out, "decoder")
    m = blob_masks(rng, 1, 32, 32, [(0.3, 0.3, 0.6, 0.6)])
    feat = half(encode(gen, smooth_noise(rng, (1, 3), 32, 32, 4), m, m))
    c.input("feat", feat)
    c.expected("frames", torch.tanh(gen.decoder(feat)))
    c.close()

    # -- the whole InpaintGenerator.forward (eval) for one window: 6 local + 2 reference frames at
    #    48x96 (token grid 4x8, padded to 5x9) ------------------------------------------------------
    print("InpaintGenerator.forward")
    c = Case(args.out, "window")
    t, l, h, w = 8, 6, 48, 96
    masks_in = blob_masks(rng, t, h, w, [(0.3, 0.35, 0.75, 0.6)])
    masks_upd = updated_subset(rng, masks_in)
    frames = half(smooth_noise(rng, (t, 3), h, w, 6) * (1 - masks_upd))
    flows_f, flows_b = (half(f) for f in flow_pair(rng, l - 1, h, w, 4.0))
    c.input("frames", frames)
    c.input("masks_in", masks_in.bool())
    c.input("masks_updated", masks_upd.bool())
    c.input("flows_forward", flows_f)
    c.input("flows_backward", flows_b)
    out = gen(frames.unsqueeze(0), (flows_f.unsqueeze(0), flows_b.unsqueeze(0)), masks_in.unsqueeze(0), masks_upd.unsqueeze(0), l)
    c.expected("frames_out", out[0])
    c.close(local_frames=l)

    with open(os.path.join(args.out, "golden.json"), "w") as f:
        json.dump(
            {
                "about": "Upstream InpaintGenerator outputs on seeded random weights; regenerate with models/parity/reference_generator.py",
                "weights_seed": weights_meta["seed"],
                "weights_fingerprint": weights_meta["fingerprint"],
                "input_seed": args.seed,
                "torch": torch.__version__,
            },
            f,
            indent=1,
        )


def transformer_case(case, gen, feat, local_masks):
    case.input("feat", feat)
    case.input("local_masks", local_masks.bool())
    feat_out, window_masked = transformer_reference(gen, feat, local_masks)
    case.expected("feat_out", feat_out)
    case.close(window_masked=window_masked)


def transformer_reference(gen, feat, local_masks):
    """SoftSplit -> 8 sparse transformer blocks -> SoftComp -> residual, for one window of T frames
    whose first L are local, with upstream's modules called as InpaintGenerator.forward calls them
    (batch 1); returns the local frames and, for the record, which windows are 'masked'."""
    t, ch, h, w = feat.shape
    l = local_masks.shape[0]
    tokens = gen.ss(feat, 1, (h, w))
    pooled = gen.max_pool(local_masks)  # [L, 1, fh, fw]
    l_mask = pooled.view(1, l, 1, *pooled.shape[-2:]).permute(0, 1, 3, 4, 2)
    # which windows the attention treats as masked (its own test of the select; recorded only)
    att = gen.transformers.transformer[0].attention
    wh, ww = att.window_size
    fh, fw = pooled.shape[-2:]
    ph, pw = -fh % wh, -fw % ww
    padded = F.pad(pooled, (0, pw, 0, ph))
    masked = F.max_pool2d(padded, (wh, ww), (wh, ww)).sum(dim=0).flatten() > 0
    tokens = gen.transformers(tokens, (h, w), l_mask, t_dilation=2)
    out = feat + gen.sc(tokens, t, (h, w))
    return out[:l], [bool(v) for v in masked]


if __name__ == "__main__":
    main()
