#!/usr/bin/env python3
"""Parity check: the official PyTorch ProPainter against the ONNX contract graphs, stage by stage,
on the same frames. Prints max abs difference and PSNR per stage.

    python parity.py --propainter ~/ProPainter --weights ~/ProPainter/weights --models ~/propainter-onnx \\
        --video ~/ProPainter/inputs/object_removal/bmx-trees --mask ~/ProPainter/inputs/object_removal/bmx-trees_mask

With --random-weights it loads random_weights.pt written by `convert.py --random-weights` into the
PyTorch models, so the converter can be checked without the release weights.

The ONNX side is driven here the way the TypeScript orchestrator drives it (step graphs, passes in
the same order), so a mismatch points at the export of one graph. UNVERIFIED: written without
PyTorch at hand.
"""
import argparse
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F


def psnr(a, b, peak):
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return float("inf") if mse == 0 else 20 * math.log10(peak / math.sqrt(mse))


def report(stage, torch_out, onnx_out, peak):
    t = torch_out.detach().cpu().numpy() if torch.is_tensor(torch_out) else np.asarray(torch_out)
    o = np.asarray(onnx_out)
    print(f"{stage:<28} max abs diff {np.max(np.abs(t - o)):.3e}   PSNR {psnr(t, o, peak):7.2f} dB   ({t.shape})")


def load_frames(video, mask_dir, count, size):
    import cv2
    from scipy.ndimage import binary_dilation

    w, h = size
    names = sorted(os.listdir(video))[:count]
    frames = [cv2.resize(cv2.cvtColor(cv2.imread(os.path.join(video, n)), cv2.COLOR_BGR2RGB), (w, h), interpolation=cv2.INTER_CUBIC) for n in names]
    masks = []
    for n in sorted(os.listdir(mask_dir))[:count]:
        m = cv2.resize(cv2.imread(os.path.join(mask_dir, n), cv2.IMREAD_GRAYSCALE), (w, h), interpolation=cv2.INTER_NEAREST)
        masks.append(binary_dilation(m > 0, iterations=4).astype(np.float32))
    x = torch.from_numpy(np.stack(frames)).permute(0, 3, 1, 2).float() / 255 * 2 - 1
    return x.unsqueeze(0), torch.from_numpy(np.stack(masks))[None, :, None]


class Onnx:
    def __init__(self, folder):
        import onnxruntime as ort

        self.s = {}
        for f in os.listdir(folder):
            if f.endswith(".onnx") and ".fp16." not in f:
                self.s[f[:-5]] = ort.InferenceSession(os.path.join(folder, f), providers=["CPUExecutionProvider"])

    def __call__(self, graph, **feeds):
        sess = self.s[graph]
        out = sess.run(None, {k: (v.numpy() if torch.is_tensor(v) else v) for k, v in feeds.items()})
        return dict(zip([o.name for o in sess.get_outputs()], out))


def onnx_rfc_sequence(ox, flows, masks):
    """One time-ordered direction through the rfc_* graphs (as flow-completion.ts does)."""
    n = flows.shape[1]
    enc = ox("rfc_encoder", masked_flows=(flows * (1 - masks)).float(), masks=masks.float())
    mid, e1 = enc["feat_mid"][0], enc["feat_e1"][0]
    zeros = np.zeros_like(mid[:1])
    yes, no = np.array([True]), np.array([False])
    bwd = [None] * n
    for i, t in enumerate(range(n - 1, -1, -1)):
        p1 = bwd[t + 1] if i >= 1 else zeros
        p2 = bwd[t + 2] if i >= 2 else zeros
        bwd[t] = ox("rfc_prop_backward", feat_current=mid[t:t + 1], feat_prev1=p1, feat_prev2=p2, has_previous=yes if i else no)["feat_prop"]
    fwd = [None] * n
    for t in range(n):
        p1 = fwd[t - 1] if t >= 1 else zeros
        p2 = fwd[t - 2] if t >= 2 else zeros
        fwd[t] = ox("rfc_prop_forward", feat_current=mid[t:t + 1], feat_backward=bwd[t], feat_prev1=p1, feat_prev2=p2, has_previous=yes if t else no)["feat_prop"]
    out = ox("rfc_decoder", feat_backward=np.concatenate(bwd), feat_forward=np.concatenate(fwd), feat_mid=mid, feat_e1=e1)["flow"]
    return out[None]


def onnx_window(ox, frames, masks_in, masks_upd, flows_f, flows_b, l_t):
    """One transformer window through the pp_* graphs (as inpaint.ts does)."""
    enc = ox("pp_encoder", frames=frames[0].numpy(), masks_in=masks_in[0].numpy(), masks_updated=masks_upd[0].numpy())["feat"]
    h, w = frames.shape[-2:]
    q = lambda f: (F.interpolate(f[0], scale_factor=0.25, mode="bilinear", align_corners=False) / 4).numpy()  # noqa: E731
    ff, fb = q(flows_f), q(flows_b)
    m = torch.cat([F.interpolate(masks_in[0, :l_t], scale_factor=0.25, mode="nearest"), F.interpolate(masks_upd[0, :l_t], scale_factor=0.25, mode="nearest")], dim=1).numpy()
    zero = np.zeros_like(ff[:1]) if len(ff) else np.zeros((1, 2, h // 4, w // 4), np.float32)
    yes, no = np.array([True]), np.array([False])
    bwd = [None] * l_t
    for i, t in enumerate(range(l_t - 1, -1, -1)):
        flow, check = (ff[t:t + 1], fb[t:t + 1]) if i else (zero, zero)
        bwd[t] = ox("pp_prop_backward", feat_current=enc[t:t + 1], feat_prev=bwd[t + 1] if i else enc[t:t + 1], flow=flow, flow_check=check, masks=m[t:t + 1], has_previous=yes if i else no)["feat_prop"]
    fused, prev = [None] * l_t, None
    for t in range(l_t):
        flow, check = (fb[t - 1:t], ff[t - 1:t]) if t else (zero, zero)
        r = ox("pp_prop_forward", feat_current=bwd[t], feat_prev=prev if t else bwd[t], flow=flow, flow_check=check, masks=m[t:t + 1], has_previous=yes if t else no, feat_encoded=enc[t:t + 1])
        prev, fused[t] = r["feat_prop"], r["feat_fused"]
    feat = np.concatenate(fused + [enc[l_t:]])
    out = ox("pp_transformer", feat=feat, local_masks=m[:, :1])["feat_out"]
    return ox("pp_decoder", feat=out)["frames"][None]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--propainter", required=True)
    ap.add_argument("--weights")
    ap.add_argument("--random-weights", action="store_true")
    ap.add_argument("--models", required=True, help="folder written by convert.py")
    ap.add_argument("--video", required=True, help="folder of frames")
    ap.add_argument("--mask", required=True, help="folder of masks")
    ap.add_argument("--frames", type=int, default=20)
    ap.add_argument("--size", default="432x240")
    ap.add_argument("--raft-iter", type=int, default=20)
    a = ap.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import convert  # noqa: E402  (same folder: the upstream loader)

    w, h = (int(v) for v in a.size.split("x"))
    if not a.random_weights and not a.weights:
        ap.error("give --weights DIR, or --random-weights")
    raft, rfc, gen = convert.load_upstream(a.propainter, a.weights, a.random_weights, None)
    if a.random_weights:
        state = torch.load(os.path.join(a.models, "random_weights.pt"), map_location="cpu")
        raft.load_state_dict(state["raft"])
        rfc.load_state_dict(state["rfc"])
        gen.load_state_dict(state["gen"])
    ox = Onnx(a.models)
    frames, masks = load_frames(a.video, a.mask, a.frames, (w, h))
    t = frames.shape[1]
    print(f"{t} frames at {w}x{h}, RAFT {a.raft_iter} iterations\n")

    with torch.no_grad():
        # RAFT: forward and backward flows of consecutive pairs
        i1, i2 = frames[0, :-1], frames[0, 1:]
        tf = raft(i1, i2, iters=a.raft_iter, test_mode=True)[1]
        tb = raft(i2, i1, iters=a.raft_iter, test_mode=True)[1]
        of = ox("raft", image1=i1.numpy(), image2=i2.numpy(), iterations=np.array(a.raft_iter, np.int64))["flow"]
        report("raft (forward flows, px)", tf, of, peak=max(1.0, float(tf.abs().max())))

        # Flow completion on the PyTorch flows
        flows = (tf[None], tb[None])
        pred, _ = rfc.forward_bidirect_flow(flows, masks)
        pred = rfc.combine_flow(flows, pred, masks)
        o_f = onnx_rfc_sequence(ox, flows[0], masks[:, :-1])
        o_b = onnx_rfc_sequence(ox, flows[1].flip(1), masks[:, 1:].flip(1))[:, ::-1]
        mf, mb = masks[:, :-1].numpy(), masks[:, 1:].numpy()
        o_f = o_f * mf + flows[0].numpy() * (1 - mf)
        o_b = o_b * mb + flows[1].numpy() * (1 - mb)
        report("flow completion forward", pred[0], o_f, peak=max(1.0, float(pred[0].abs().max())))
        report("flow completion backward", pred[1], o_b, peak=max(1.0, float(pred[1].abs().max())))

        # Image propagation (no weights; PyTorch result feeds both sides), then one window
        masked = frames * (1 - masks)
        prop, upd = gen.img_propagation(masked, pred, masks, "nearest")
        updated = frames * (1 - masks) + prop.view(1, t, 3, h, w) * masks
        upd = upd.view(1, t, 1, h, w)
        local = list(range(0, min(t, 11)))
        refs = [i for i in range(0, t, 10) if i not in local]
        sel = local + refs
        l_t = len(local)
        flows_l = (pred[0][:, local[:-1]], pred[1][:, local[:-1]])
        tp = gen(updated[:, sel], flows_l, masks[:, sel], upd[:, sel], l_t)
        op = onnx_window(ox, updated[:, sel], masks[:, sel], upd[:, sel], flows_l[0], flows_l[1], l_t)
        report("inpainting window (0-255)", (tp + 1) * 127.5, (op + 1) * 127.5, peak=255.0)


if __name__ == "__main__":
    main()
