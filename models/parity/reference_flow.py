#!/usr/bin/env python3
"""Golden tensors for the flow graphs of the model contract (raft, rfc_encoder, rfc_prop_backward,
rfc_prop_forward, rfc_decoder): upstream ProPainter's RAFT and RecurrentFlowCompleteNet, imported
from the checkout given with --upstream (never copied), loaded with the weights that
export-weights.ts writes, run on small seeded inputs. Inputs and expected outputs are written as
.npy files; test/unit/flow-graphs.test.ts runs the product's graphs on the same inputs and compares.

    npx tsx models/parity/export-weights.ts --seed 1 --out /tmp/w --networks raft,flowCompletion
    /usr/bin/python3 models/parity/reference_flow.py --upstream DIR --weights /tmp/w --out test/data/golden/flow

Needs only PyTorch and torchvision (Debian's python3-torch 1.13 is enough) and numpy.

The step semantics of the rfc_* graphs (models/README.md, "Graphs") are written out here with
upstream's modules, and checked against upstream's own RecurrentFlowCompleteNet.forward on the same
inputs before anything is written: the goldens of the single steps are exactly what upstream
computes inside its propagation loop.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

RAFT_CASES = [
    # name, batch, height, width, iterations
    ("raft-128x128", 2, 128, 128, 12),
    ("raft-136x152", 1, 136, 152, 3),
]
RFC_CASES = [
    # name, flows (T), height, width, whether the single-step tensors are written too
    ("rfc-64x64", 3, 64, 64, True),
    ("rfc-48x80", 5, 48, 80, False),
]


def weights_record(folder):
    """The seed and fingerprint export-weights.ts recorded for one network's tensors."""
    path = os.path.join(folder, "weights.json")
    if not os.path.isfile(path):
        sys.exit(f"{folder}: no weights.json (write the weights with export-weights.ts)")
    with open(path) as fh:
        return json.load(fh)


def load_state(folder):
    """One network's tensors, as export-weights.ts wrote them (<key>.npy)."""
    state = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".npy"):
            state[name[: -len(".npy")]] = torch.from_numpy(np.load(os.path.join(folder, name)))
    if not state:
        sys.exit(f"{folder}: no .npy tensors (run export-weights.ts first)")
    return state


def save(folder, name, value, half=False):
    """Writes one tensor; inputs may be stored as float16 (the caller already rounded them to it)."""
    array = value.detach().cpu().numpy() if torch.is_tensor(value) else np.asarray(value)
    if half:
        array = array.astype(np.float16)
    os.makedirs(folder, exist_ok=True)
    np.save(os.path.join(folder, f"{name}.npy"), array)


def fp16_exact(x):
    """Rounds to float16 and back: inputs stored as float16 are then the exact float32 values used."""
    return x.half().float()


def describe(name, x):
    x = x.detach().float()
    print(f"  {name:<16} {list(x.shape)!s:<24} range [{x.min():9.4f}, {x.max():9.4f}]  mean |x| {x.abs().mean():.4f}")


def smooth_noise(gen, shape, cells, scale):
    """Band-limited noise: random values on a coarse grid, bicubically upsampled to `shape` [.., H, W]."""
    *lead, h, w = shape
    coarse = torch.randn(*lead, cells, cells, generator=gen)
    flat = coarse.reshape(-1, 1, cells, cells)
    fine = F.interpolate(flat, size=(h, w), mode="bicubic", align_corners=False)
    return (fine.reshape(*lead, h, w) * scale).float()


# ---------------------------------------------------------------------------------------------------
# RAFT
# ---------------------------------------------------------------------------------------------------

def reference_raft(upstream, state, out_dir):
    from RAFT import RAFT  # upstream code, from --upstream

    raft = RAFT(argparse.Namespace(small=False, mixed_precision=False, alternate_corr=False, dropout=0))
    raft.load_state_dict(state, strict=True)
    raft.eval()
    # The skip path's norm is one module under two names (norm3 and downsample.1); load_state_dict
    # leaves the value stored under the later name, downsample.1, which the builder reads.
    for layer in ("layer2", "layer3"):
        kept = getattr(raft.cnet, layer)[0].downsample[1].weight
        assert torch.equal(kept, state[f"cnet.{layer}.0.downsample.1.weight"]), "cnet skip norm is not downsample.1's"

    gen = torch.Generator().manual_seed(2024)
    for name, n, h, w, iterations in RAFT_CASES:
        # A textured scene seen twice, the second view shifted by a few pixels plus a little noise.
        scene = smooth_noise(gen, (n, 3, h + 16, w + 16), 12, 0.6).clamp(-1, 1)
        image1 = fp16_exact(scene[:, :, 8 : 8 + h, 8 : 8 + w])
        image2 = fp16_exact((scene[:, :, 5 : 5 + h, 10 : 10 + w] + 0.02 * torch.randn(n, 3, h, w, generator=gen)).clamp(-1, 1))
        with torch.no_grad():
            _, flow = raft(image1, image2, iters=iterations, test_mode=True)
            # stability: the same pair with 1e-4 of noise added to image2
            _, nudged = raft(image1, image2 + 1e-4 * torch.randn(image2.shape, generator=gen), iters=iterations, test_mode=True)
        print(f"{name}: N={n}, {w}x{h}, {iterations} iterations")
        describe("image1", image1)
        describe("flow", flow)
        print(f"  stability: 1e-4 input noise moves the flow by max {float((nudged - flow).abs().max()):.3e}")
        folder = os.path.join(out_dir, name)
        save(folder, "image1", image1, half=True)
        save(folder, "image2", image2, half=True)
        save(folder, "iterations", np.array(iterations, dtype=np.int64))
        save(folder, "flow", flow)


# ---------------------------------------------------------------------------------------------------
# Recurrent flow completion
# ---------------------------------------------------------------------------------------------------

def encode(rfc, masked_flows, masks):
    """rfc_encoder: [B, T, 2|1, H, W] -> feat_mid [B, T, 128, H/8, W/8], feat_e1 [B, T, 64, H/4, W/4]."""
    x = torch.cat([masked_flows, masks], dim=2).permute(0, 2, 1, 3, 4)
    x = rfc.downsample(x)
    e1 = rfc.encoder1(x)
    mid = rfc.mid_dilation(rfc.encoder2(e1))
    return mid.permute(0, 2, 1, 3, 4), e1.permute(0, 2, 1, 3, 4)


def prop_step(rfc, module, current, prev1, prev2, has_previous, backward=None):
    """rfc_prop_backward / rfc_prop_forward: one step of BidirectionalPropagation's loop."""
    prop = rfc.feat_prop_module
    if has_previous:
        aligned = prop.deform_align[module](torch.cat([prev1, prev2], dim=1), torch.cat([prev1, current, prev2], dim=1))
    else:
        aligned = torch.zeros_like(current)
    extra = [] if backward is None else [backward]
    return aligned + prop.backbone[module](torch.cat([current, *extra, aligned], dim=1))


def propagate(rfc, feat_mid):
    """Both passes over the frames of feat_mid [B, T, C, h, w], each step's inputs as the engine gives
    them: prev1 / prev2 = this pass's outputs one and two steps back, zeros where there are none."""
    t = feat_mid.shape[1]
    zeros = torch.zeros_like(feat_mid[:, 0])
    passes = {}
    for module, order in (("backward_", range(t - 1, -1, -1)), ("forward_", range(t))):
        out = {}
        steps = []
        for i, frame in enumerate(order):
            prev1 = out[steps[-1]] if i > 0 else zeros
            prev2 = out[steps[-2]] if i > 1 else zeros
            backward = passes["backward_"][frame] if module == "forward_" else None
            out[frame] = prop_step(rfc, module, feat_mid[:, frame], prev1, prev2, i > 0, backward)
            steps.append(frame)
        passes[module] = [out[k] for k in range(t)]
    return torch.stack(passes["backward_"], dim=1), torch.stack(passes["forward_"], dim=1)


def decode(rfc, feat_backward, feat_forward, feat_mid, feat_e1):
    """rfc_decoder, per frame ([N, ...] with N = B * T)."""
    x = rfc.feat_prop_module.fusion(torch.cat([feat_backward, feat_forward], dim=1)) + feat_mid
    d2 = rfc.decoder2(x) + feat_e1
    return rfc.upsample(rfc.decoder1(d2))


def reference_rfc(upstream, state, out_dir):
    from model.recurrent_flow_completion import RecurrentFlowCompleteNet  # upstream code

    rfc = RecurrentFlowCompleteNet()
    rfc.load_state_dict(state, strict=True)
    rfc.eval()

    gen = torch.Generator().manual_seed(7)
    for name, t, h, w, steps in RFC_CASES:
        flows = smooth_noise(gen, (1, t, 2, h, w), 6, 4.0)
        # a square hole drifting across the frames
        masks = torch.zeros(1, t, 1, h, w)
        for k in range(t):
            y0, x0 = h // 4 + k, w // 4 + 2 * k
            masks[:, k, :, y0 : y0 + h // 3, x0 : x0 + w // 3] = 1
        masked_flows = fp16_exact(flows * (1 - masks))
        with torch.no_grad():
            feat_mid, feat_e1 = encode(rfc, masked_flows, masks)
            feat_backward, feat_forward = propagate(rfc, feat_mid)
            b, _, c, h8, w8 = feat_mid.shape
            flat = lambda x: x.reshape(b * t, *x.shape[2:])  # noqa: E731
            flow = decode(rfc, flat(feat_backward), flat(feat_forward), flat(feat_mid), flat(feat_e1)).reshape(b, t, 2, h, w)
            upstream_flow, _ = rfc(masked_flows, masks)
            nudged, _ = rfc(masked_flows + 1e-4 * torch.randn(masked_flows.shape, generator=gen), masks)
        gap = float((flow - upstream_flow).abs().max())
        print(f"{name}: T={t}, {w}x{h}; steps vs RecurrentFlowCompleteNet.forward: max {gap:.3e}")
        if gap > 1e-5:
            sys.exit(f"{name}: the step semantics disagree with upstream's forward (max {gap:.3e})")
        for label, x in (("masked_flows", masked_flows), ("feat_mid", feat_mid), ("feat_e1", feat_e1), ("feat_backward", feat_backward), ("feat_forward", feat_forward), ("flow", upstream_flow)):
            describe(label, x)
        print(f"  stability: 1e-4 input noise moves the flow by max {float((nudged - upstream_flow).abs().max()):.3e}")
        folder = os.path.join(out_dir, name)
        save(folder, "masked_flows", masked_flows, half=True)
        save(folder, "masks", masks, half=True)
        save(folder, "flow", upstream_flow)
        if steps:
            save(folder, "feat_mid", feat_mid)
            save(folder, "feat_e1", feat_e1)
            save(folder, "feat_backward", feat_backward)
            save(folder, "feat_forward", feat_forward)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--upstream", required=True, help="checkout of https://github.com/sczhou/ProPainter")
    ap.add_argument("--weights", required=True, help="folder written by export-weights.ts (raft/, flowCompletion/)")
    ap.add_argument("--out", required=True, help="folder for the golden .npy files")
    a = ap.parse_args()
    if not os.path.isfile(os.path.join(a.upstream, "RAFT", "raft.py")):
        sys.exit(f"{a.upstream}: not a ProPainter checkout (no RAFT/raft.py); give --upstream DIR")
    sys.path.insert(0, os.path.abspath(a.upstream))
    torch.set_grad_enabled(False)
    records = {network: weights_record(os.path.join(a.weights, network)) for network in ("raft", "flowCompletion")}
    reference_raft(a.upstream, load_state(os.path.join(a.weights, "raft")), a.out)
    reference_rfc(a.upstream, load_state(os.path.join(a.weights, "flowCompletion")), a.out)
    about = {
        "about": "Upstream RAFT and RecurrentFlowCompleteNet outputs on seeded random weights; regenerate with models/parity/reference_flow.py",
        "weights": records,
        "torch": torch.__version__,
    }
    with open(os.path.join(a.out, "golden.json"), "w") as fh:
        json.dump(about, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
