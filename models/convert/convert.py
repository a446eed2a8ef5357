#!/usr/bin/env python3
"""Convert ProPainter's official weights into Cleanplate's ONNX model contract (models/README.md).

Needs a checkout of https://github.com/sczhou/ProPainter (its model code is imported from there, not
copied) and its release weights, or --random-weights to export the real architecture with random
weights (for checking the converter without downloads; parity.py then compares against PyTorch).

    python convert.py --propainter ~/ProPainter --weights ~/ProPainter/weights --out ~/propainter-onnx

Writes the ten fp32 graphs, their fp16 variants (unless --no-fp16) and manifest.json with real sizes
and sha256. Every graph is one step: the time loops, windows and image propagation stay in
TypeScript. What does not export as written upstream is rewritten here, each place says why:
deform_conv2d -> ONNX DeformConv (opset 19), the sparse attention's data-dependent branches -> dense
attention + Where, the rank-3 MaxPool -> a pool with a channel dimension, Python shape arithmetic ->
traced integer arithmetic so H, W and T stay dynamic, and RAFT's refinement loop -> an ONNX Loop.

UNVERIFIED: written without PyTorch at hand; run parity.py before trusting the output.
"""
import argparse
import hashlib
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

CONTRACT_VERSION = 1
OPSET = 19
LICENSE = {
    "id": "S-Lab-1.0",
    "name": "S-Lab License 1.0",
    "url": "https://github.com/sczhou/ProPainter/blob/main/LICENSE",
    "summary": "ProPainter's weights and any files converted from them may be used and redistributed for "
    "non-commercial purposes only, with the copyright notice and the licence kept; commercial use needs "
    "permission from the authors (Shangchen Zhou, Chen Change Loy).",
    "commercialUse": False,
}
GRAPHS = [
    "raft", "rfc_encoder", "rfc_prop_backward", "rfc_prop_forward", "rfc_decoder",
    "pp_encoder", "pp_prop_backward", "pp_prop_forward", "pp_transformer", "pp_decoder",
]
# ONNX operators that stay fp32 inside the fp16 files: providers rarely have fp16 kernels for them.
FP16_KEEP_FP32 = ["DeformConv", "Col2Im", "GridSample", "Loop", "Softmax", "LayerNormalization"]


# ---------------------------------------------------------------------------------------------------
# Upstream model code and weights
# ---------------------------------------------------------------------------------------------------

def load_upstream(repo, weights, random_weights, out_dir):
    """Imports the networks from the user's checkout and loads (or randomises) their weights."""
    sys.path.insert(0, os.path.abspath(repo))
    from RAFT import RAFT  # noqa: E402  (upstream code)
    from model.recurrent_flow_completion import RecurrentFlowCompleteNet  # noqa: E402
    from model.propainter import InpaintGenerator  # noqa: E402

    args = argparse.Namespace(small=False, mixed_precision=False, alternate_corr=False, dropout=0)
    raft = RAFT(args)
    rfc = RecurrentFlowCompleteNet()
    gen = InpaintGenerator(init_weights=True)
    if random_weights:
        torch.manual_seed(0)
        for m in (raft, rfc, gen):
            for p in m.parameters():
                nn.init.normal_(p, 0.0, 0.02)
        if out_dir:  # parity.py loads exactly these weights into PyTorch
            torch.save({"raft": raft.state_dict(), "rfc": rfc.state_dict(), "gen": gen.state_dict()}, os.path.join(out_dir, "random_weights.pt"))
    else:
        state = torch.load(os.path.join(weights, "raft-things.pth"), map_location="cpu")
        raft.load_state_dict({k.replace("module.", "", 1): v for k, v in state.items()})  # saved through DataParallel
        rfc.load_state_dict(torch.load(os.path.join(weights, "recurrent_flow_completion.pth"), map_location="cpu"), strict=True)
        gen.load_state_dict(torch.load(os.path.join(weights, "ProPainter.pth"), map_location="cpu"), strict=True)
    for m in (raft, rfc, gen):
        m.eval()
        for p in m.parameters():
            p.requires_grad_(False)
    return raft, rfc, gen


def register_deform_conv():
    """torchvision::deform_conv2d -> ONNX DeformConv (opset 19). Both use offsets laid out as
    [N, 2 * offset_groups * kh * kw, H, W] with (dy, dx) pairs, and the modulation mask as
    [N, offset_groups * kh * kw, H, W]; ONNX takes the bias before the mask."""
    from torch.onnx import register_custom_op_symbolic
    from torch.onnx import symbolic_helper as sym

    @sym.parse_args("v", "v", "v", "v", "v", "i", "i", "i", "i", "i", "i", "i", "i", "b")
    def deform_conv2d(g, x, weight, offset, mask, bias, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups, offset_groups, use_mask):
        kh, kw = sym._get_tensor_sizes(weight)[2:4]
        inputs = [x, weight, offset, bias] + ([mask] if use_mask else [])
        return g.op(
            "DeformConv", *inputs,
            kernel_shape_i=[kh, kw], strides_i=[stride_h, stride_w], pads_i=[pad_h, pad_w, pad_h, pad_w],
            dilations_i=[dil_h, dil_w], group_i=groups, offset_group_i=offset_groups,
        )

    register_custom_op_symbolic("torchvision::deform_conv2d", deform_conv2d, OPSET)


# ---------------------------------------------------------------------------------------------------
# Shape helpers that keep sizes traced (Python arithmetic on sizes would freeze them in the graph)
# ---------------------------------------------------------------------------------------------------

def pixel_grid(h, w, like):
    """[h, w, 2] pixel coordinates (x, y) built from traced sizes."""
    ys = torch.arange(h, device=like.device).to(like.dtype)
    xs = torch.arange(w, device=like.device).to(like.dtype)
    gy = ys.view(-1, 1).expand(h, w)
    gx = xs.view(1, -1).expand(h, w)
    return torch.stack([gx, gy], dim=-1)


def warp(x, flow, mode="bilinear"):
    """flow_warp (grid_sample, zero padding, align_corners=True) with the normalisation
    2 * p / max(size - 1, 1) - 1 written on traced sizes instead of Python's max()."""
    n, _, h, w = x.shape
    grid = pixel_grid(h, w, flow).unsqueeze(0) + flow.permute(0, 2, 3, 1)
    size = torch.stack([torch.as_tensor(w), torch.as_tensor(h)]).to(flow.dtype)
    denom = torch.clamp(size - 1, min=1)
    return F.grid_sample(x, 2 * grid / denom - 1, mode=mode, padding_mode="zeros", align_corners=True)


def consistency(flow, check):
    """fbConsistencyCheck: |f + w|^2 < 0.01 (|f|^2 + |w|^2) + 0.5, w = check warped by f."""
    w = warp(check, flow)
    sq = lambda t: (t * t).sum(dim=1, keepdim=True)  # noqa: E731
    return (sq(flow + w) < 0.01 * (sq(flow) + sq(w)) + 0.5).to(flow.dtype)


# ---------------------------------------------------------------------------------------------------
# RAFT: three exported pieces composed into one graph with an ONNX Loop
# ---------------------------------------------------------------------------------------------------

class RaftInit(nn.Module):
    """Features, context and the 4-level correlation pyramid (RAFT.forward before its loop)."""

    def __init__(self, raft):
        super().__init__()
        self.raft = raft

    def forward(self, image1, image2):
        fmap1, fmap2 = self.raft.fnet([image1, image2])
        n, c, h, w = fmap1.shape
        corr = torch.matmul(fmap1.reshape(n, c, -1).transpose(1, 2), fmap2.reshape(n, c, -1)) / (c ** 0.5)
        corr0 = corr.reshape(-1, 1, h, w)
        corr1 = F.avg_pool2d(corr0, 2, stride=2)
        corr2 = F.avg_pool2d(corr1, 2, stride=2)
        corr3 = F.avg_pool2d(corr2, 2, stride=2)
        net, inp = torch.split(self.raft.cnet(image1), [128, 128], dim=1)
        coords0 = pixel_grid(h, w, fmap1).permute(2, 0, 1).unsqueeze(0).expand(n, 2, h, w)
        up_mask = torch.zeros_like(net[:, :1]).expand(n, 576, h, w)
        return corr0, corr1, corr2, corr3, torch.tanh(net), torch.relu(inp), coords0, up_mask


class RaftStep(nn.Module):
    """One refinement iteration: correlation lookup (radius 4, bilinear grid_sample on each level)
    and the update block."""

    def __init__(self, raft):
        super().__init__()
        self.raft = raft
        r = 4
        d = torch.linspace(-r, r, 2 * r + 1)
        # Upstream stacks meshgrid(dy, dx) ('ij') and adds it to (x, y) coordinates, so the x offset
        # follows the row index of the 9x9 patch; the trained update block expects that order.
        rows, cols = torch.meshgrid(d, d, indexing="ij")
        self.register_buffer("delta", torch.stack([rows, cols], dim=-1).view(1, 2 * r + 1, 2 * r + 1, 2))

    def forward(self, corr0, corr1, corr2, corr3, net, inp, coords0, coords1):
        n, _, h, w = coords1.shape
        centroid = coords1.permute(0, 2, 3, 1).reshape(-1, 1, 1, 2)
        levels = []
        for i, corr in enumerate((corr0, corr1, corr2, corr3)):
            pts = centroid / (2 ** i) + self.delta
            hh, ww = corr.shape[-2:]
            size = torch.stack([torch.as_tensor(ww), torch.as_tensor(hh)]).to(pts.dtype)
            sampled = F.grid_sample(corr, 2 * pts / (size - 1) - 1, align_corners=True)
            levels.append(sampled.reshape(n, h, w, -1))
        corr = torch.cat(levels, dim=-1).permute(0, 3, 1, 2)
        net, up_mask, delta = self.raft.update_block(net, inp, corr, coords1 - coords0)
        return net, coords1 + delta, up_mask


class RaftFinal(nn.Module):
    """Convex x8 upsampling of the last flow (RAFT.upsample_flow), unfold written as a padded
    3x3 gather so it exports to plain Slice/Concat."""

    def forward(self, coords0, coords1, up_mask):
        flow = coords1 - coords0
        n, _, h, w = flow.shape
        mask = torch.softmax(up_mask.view(n, 1, 9, 8, 8, h, w), dim=2)
        padded = F.pad(8 * flow, (1, 1, 1, 1))
        patches = torch.stack([padded[:, :, dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3)], dim=2)
        up = torch.sum(mask * patches.view(n, 2, 9, 1, 1, h, w), dim=2)
        return up.permute(0, 1, 4, 2, 5, 3).reshape(n, 2, 8 * h, 8 * w)


def export_raft(raft, out_dir, size, dynamic):
    """Exports the three pieces and composes raft.onnx: init, Loop(iterations) over the step, final."""
    import onnx
    from onnx import helper, TensorProto

    h, w = size
    img = torch.zeros(1, 3, h, w)
    init = RaftInit(raft)
    tmp = lambda name: os.path.join(out_dir, f".{name}.onnx")  # noqa: E731
    img_axes = {0: "N", 2: "H", 3: "W"} if dynamic else {0: "N"}
    feat_axes = {0: "N", 2: "h8", 3: "w8"} if dynamic else {0: "N"}
    corr_axes = {0: "P", 2: "ch", 3: "cw"} if dynamic else {0: "P"}
    init_out = ["corr0", "corr1", "corr2", "corr3", "net", "inp", "coords0", "up_mask"]
    torch.onnx.export(init, (img, img), tmp("raft_init"), opset_version=OPSET, input_names=["image1", "image2"], output_names=init_out,
                      dynamic_axes={"image1": img_axes, "image2": img_axes, **{k: corr_axes for k in init_out[:4]}, **{k: feat_axes for k in init_out[4:]}}, dynamo=False)
    with torch.no_grad():
        outs = init(img, img)
    step_in = ["corr0", "corr1", "corr2", "corr3", "net", "inp", "coords0", "coords1"]
    step_out = ["net_out", "coords1_out", "up_mask_out"]
    torch.onnx.export(RaftStep(raft), (*outs[:7], outs[6]), tmp("raft_step"), opset_version=OPSET, input_names=step_in, output_names=step_out,
                      dynamic_axes={**{k: corr_axes for k in step_in[:4]}, **{k: feat_axes for k in step_in[4:]}, **{k: feat_axes for k in step_out}}, dynamo=False)
    torch.onnx.export(RaftFinal(), (outs[6], outs[6], outs[7]), tmp("raft_final"), opset_version=OPSET, input_names=["coords0", "coords1", "up_mask"], output_names=["flow"],
                      dynamic_axes={"coords0": feat_axes, "coords1": feat_axes, "up_mask": feat_axes, "flow": img_axes}, dynamo=False)

    g_init = onnx.load(tmp("raft_init")).graph
    g_step = onnx.load(tmp("raft_step")).graph
    g_final = onnx.load(tmp("raft_final")).graph

    def prefixed(graph, prefix, keep):
        """Renames every internal value of `graph` so three exported graphs can share one scope."""
        rename = lambda n: n if (n in keep or n == "") else prefix + n  # noqa: E731
        for node in graph.node:
            node.input[:] = [rename(i) for i in node.input]
            node.output[:] = [rename(o) for o in node.output]
            node.name = prefix + node.name
        for t in graph.initializer:
            t.name = rename(t.name)
        return rename

    prefixed(g_init, "init/", set(["image1", "image2"] + init_out))
    # The loop body: inputs (iteration, condition, carried net, coords1, up_mask); corr*, inp and
    # coords0 are read from the outer scope (no longer inputs of the body).
    rename = prefixed(g_step, "step/", set(["corr0", "corr1", "corr2", "corr3", "inp", "coords0"]))
    body_inputs = [
        helper.make_tensor_value_info("iter", TensorProto.INT64, []),
        helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
        helper.make_tensor_value_info(rename("net"), TensorProto.FLOAT, None),
        helper.make_tensor_value_info(rename("coords1"), TensorProto.FLOAT, None),
        helper.make_tensor_value_info("up_mask_prev", TensorProto.FLOAT, None),
    ]
    body_outputs = [
        helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
        helper.make_tensor_value_info(rename("net_out"), TensorProto.FLOAT, None),
        helper.make_tensor_value_info(rename("coords1_out"), TensorProto.FLOAT, None),
        helper.make_tensor_value_info(rename("up_mask_out"), TensorProto.FLOAT, None),
    ]
    body = helper.make_graph(list(g_step.node) + [helper.make_node("Identity", ["cond_in"], ["cond_out"])], "raft_refine",
                             body_inputs, body_outputs, initializer=list(g_step.initializer))
    loop = helper.make_node("Loop", ["iterations", "", "net", "coords0", "up_mask"], ["net_last", "coords1_last", "up_mask_last"], body=body)
    prefixed(g_final, "final/", set(["flow"]))
    final_nodes = list(g_final.node)
    for node in final_nodes:
        node.input[:] = [{"final/coords0": "coords0", "final/coords1": "coords1_last", "final/up_mask": "up_mask_last"}.get(i, i) for i in node.input]

    inputs = list(g_init.input) + [helper.make_tensor_value_info("iterations", TensorProto.INT64, [])]
    graph = helper.make_graph(list(g_init.node) + [loop] + final_nodes, "raft", inputs, list(g_final.output),
                              initializer=list(g_init.initializer) + list(g_final.initializer))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="cleanplate-convert")
    model.ir_version = 9
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out_dir, "raft.onnx"))
    for name in ("raft_init", "raft_step", "raft_final"):
        os.remove(tmp(name))


# ---------------------------------------------------------------------------------------------------
# Recurrent flow completion
# ---------------------------------------------------------------------------------------------------

class RfcEncoder(nn.Module):
    def __init__(self, rfc):
        super().__init__()
        self.rfc = rfc

    def forward(self, masked_flows, masks):
        x = torch.cat([masked_flows, masks], dim=2).permute(0, 2, 1, 3, 4)  # [B, 3, T, H, W]
        x = self.rfc.downsample(x)
        e1 = self.rfc.encoder1(x)
        mid = self.rfc.mid_dilation(self.rfc.encoder2(e1))
        return mid.permute(0, 2, 1, 3, 4), e1.permute(0, 2, 1, 3, 4)


class RfcPropStep(nn.Module):
    """One step of the second-order propagation; `has_previous` false = upstream's i == 0, where
    no alignment happens and the propagated feature is zero."""

    def __init__(self, rfc, module, forward_pass):
        super().__init__()
        self.align = rfc.feat_prop_module.deform_align[module]
        self.backbone = rfc.feat_prop_module.backbone[module]
        self.forward_pass = forward_pass

    def step(self, feat_current, feat_prev1, feat_prev2, has_previous, extra):
        cond = torch.cat([feat_prev1, feat_current, feat_prev2], dim=1)
        aligned = self.align(torch.cat([feat_prev1, feat_prev2], dim=1), cond)
        prop = torch.where(has_previous.view(1, 1, 1, 1), aligned, torch.zeros_like(aligned))
        return prop + self.backbone(torch.cat([feat_current, *extra, prop], dim=1))


class RfcPropBackward(RfcPropStep):
    def forward(self, feat_current, feat_prev1, feat_prev2, has_previous):
        return self.step(feat_current, feat_prev1, feat_prev2, has_previous, [])


class RfcPropForward(RfcPropStep):
    def forward(self, feat_current, feat_backward, feat_prev1, feat_prev2, has_previous):
        return self.step(feat_current, feat_prev1, feat_prev2, has_previous, [feat_backward])


class RfcDecoder(nn.Module):
    def __init__(self, rfc):
        super().__init__()
        self.rfc = rfc

    def forward(self, feat_backward, feat_forward, feat_mid, feat_e1):
        x = self.rfc.feat_prop_module.fusion(torch.cat([feat_backward, feat_forward], dim=1)) + feat_mid
        d2 = self.rfc.decoder2(x) + feat_e1
        return self.rfc.upsample(self.rfc.decoder1(d2))


# ---------------------------------------------------------------------------------------------------
# InpaintGenerator
# ---------------------------------------------------------------------------------------------------

class PpEncoder(nn.Module):
    def __init__(self, gen):
        super().__init__()
        self.gen = gen

    def forward(self, frames, masks_in, masks_updated):
        return self.gen.encoder(torch.cat([frames, masks_in, masks_updated], dim=1))


class PpPropStep(nn.Module):
    """One step of the flow-guided feature propagation (BidirectionalPropagation, learnable)."""

    def __init__(self, gen, module):
        super().__init__()
        prop = gen.feat_prop_module
        self.align = prop.deform_align[module]
        self.backbone = prop.backbone[module]
        self.fuse = prop.fuse

    def step(self, feat_current, feat_prev, flow, flow_check, masks, has_previous):
        valid = consistency(flow, flow_check)
        warped = warp(feat_prev, flow)
        cond = torch.cat([feat_current, warped, flow, valid, masks], dim=1)
        aligned = self.align(feat_prev, cond, flow)
        prop = torch.where(has_previous.view(1, 1, 1, 1), aligned, feat_current)
        return prop + self.backbone(torch.cat([feat_current, prop, masks], dim=1))


class PpPropBackward(PpPropStep):
    def forward(self, feat_current, feat_prev, flow, flow_check, masks, has_previous):
        return self.step(feat_current, feat_prev, flow, flow_check, masks, has_previous)


class PpPropForward(PpPropStep):
    def forward(self, feat_current, feat_prev, flow, flow_check, masks, has_previous, feat_encoded):
        out = self.step(feat_current, feat_prev, flow, flow_check, masks, has_previous)
        fused = self.fuse(torch.cat([feat_current, out, masks], dim=1)) + feat_encoded
        return out, fused


def tokens_size(n, k=7, s=3, p=3):
    """Token grid length along one side, on traced sizes ((n + 2p - k) // s + 1)."""
    return (n + 2 * p - k) // s + 1


def window_attention(att, x, mask, t_ind):
    """SparseWindowAttention.forward for batch 1 with the data-dependent parts rewritten: both the
    masked-window path and the unmasked-window path are computed for every window and Where picks
    per window; padding is done by concatenation so the padded size stays traced; the token mask is
    pooled with a channel dimension (upstream pools a rank-3 tensor, which exports a broken MaxPool)."""
    b, t, h, w, c = x.shape
    wh, ww = att.window_size
    heads = att.n_head
    ch = c // heads
    n_wh = (h + wh - 1) // wh
    n_ww = (w + ww - 1) // ww
    new_h, new_w = n_wh * wh, n_ww * ww
    pad_b, pad_r = new_h - h, new_w - w
    x = torch.cat([x, x.new_zeros(b, t, h, 1, c).expand(b, t, h, pad_r, c)], dim=3)
    x = torch.cat([x, x.new_zeros(b, t, 1, new_w, c).expand(b, t, pad_b, new_w, c)], dim=2)
    l_t = mask.shape[1]
    mask = torch.cat([mask, mask.new_zeros(b, l_t, h, 1, 1).expand(b, l_t, h, pad_r, 1)], dim=3)
    mask = torch.cat([mask, mask.new_zeros(b, l_t, 1, new_w, 1).expand(b, l_t, pad_b, new_w, 1)], dim=2)

    def windows(a):
        a = a.reshape(b, t, n_wh, wh, n_ww, ww, heads, ch).permute(0, 2, 4, 6, 1, 3, 5, 7)
        return a.reshape(b, n_wh * n_ww, heads, t, wh * ww, ch)

    q, k, v = att.query(x), att.key(x), att.value(x)
    win_q, win_k, win_v = windows(q), windows(k), windows(v)
    eh, ew = att.expand_size
    shifts = [(-eh, -ew), (-eh, ew), (eh, -ew), (eh, ew)]
    roll_k = torch.cat([windows(torch.roll(k, s, dims=(2, 3))) for s in shifts], dim=4)[:, :, :, :, att.valid_ind_rolled]
    roll_v = torch.cat([windows(torch.roll(v, s, dims=(2, 3))) for s in shifts], dim=4)[:, :, :, :, att.valid_ind_rolled]
    pool = att.pool_layer(x.reshape(b * t, new_h, new_w, c).permute(0, 3, 1, 2))
    ph, pw = pool.shape[-2:]
    pool = pool.permute(0, 2, 3, 1).reshape(b, t, ph, pw, c)
    nw = n_wh * n_ww

    def pooled(proj):
        p = proj(pool).unsqueeze(1).expand(b, nw, t, ph, pw, c)
        return p.reshape(b, nw, t, ph, pw, heads, ch).permute(0, 1, 5, 2, 3, 4, 6).reshape(b, nw, heads, t, ph * pw, ch)

    full_k = torch.cat([win_k, roll_k, pooled(att.key)], dim=4)
    full_v = torch.cat([win_v, roll_v, pooled(att.value)], dim=4)
    scale = 1.0 / (ch ** 0.5)

    # masked windows: all queries of the window against the keys of frames t_ind
    q_m = win_q.reshape(b, nw, heads, t * wh * ww, ch)
    k_m = full_k[:, :, :, t_ind].reshape(b, nw, heads, -1, ch)
    v_m = full_v[:, :, :, t_ind].reshape(b, nw, heads, -1, ch)
    y_m = (torch.softmax(q_m @ k_m.transpose(-2, -1) * scale, dim=-1) @ v_m).reshape(b, nw, heads, t, wh * ww, ch)
    # unmasked windows: within the window, frame by frame
    k_s, v_s = win_k, win_v
    y_s = torch.softmax(win_q @ k_s.transpose(-2, -1) * scale, dim=-1) @ v_s

    pooled_mask = F.max_pool2d(mask.reshape(b * l_t, 1, new_h, new_w), (wh, ww), (wh, ww))
    window_masked = pooled_mask.reshape(b, l_t, nw).sum(dim=1) > 0
    out = torch.where(window_masked.view(b, nw, 1, 1, 1, 1), y_m, y_s)
    out = out.reshape(b, n_wh, n_ww, heads, t, wh, ww, ch).permute(0, 4, 1, 5, 2, 6, 3, 7).reshape(b, t, new_h, new_w, c)
    return att.proj(out[:, :, :h, :w, :])


def fusion_feed_forward(mlp, x, h, w, t2t):
    """FusionFeedForward with the token count and fold sizes on traced sizes."""
    k, s, p = t2t["kernel_size"], t2t["stride"], t2t["padding"]
    n_vecs = tokens_size(h, k[0], s[0], p[0]) * tokens_size(w, k[1], s[1], p[1])
    x = mlp.fc1(x)
    b, n, c = x.shape
    ones = torch.ones_like(x[..., :49]).reshape(-1, n_vecs, 49).permute(0, 2, 1)
    normalizer = F.fold(ones, output_size=(h, w), kernel_size=k, padding=p, stride=s)
    x = F.fold(x.reshape(-1, n_vecs, c).permute(0, 2, 1), output_size=(h, w), kernel_size=k, padding=p, stride=s)
    x = F.unfold(x / normalizer, kernel_size=k, padding=p, stride=s).permute(0, 2, 1).reshape(b, n, c)
    return mlp.fc2(x)


class PpTransformer(nn.Module):
    def __init__(self, gen):
        super().__init__()
        self.gen = gen
        ss = gen.ss
        # SoftSplit = unfold(7, stride 3, pad 3) + Linear == one strided convolution with the
        # linear weights laid out as [out, channel, ky, kx] (unfold orders channel, then ky, kx).
        emb = ss.embedding
        self.split = nn.Conv2d(128, emb.out_features, ss.kernel_size, ss.stride, ss.padding)
        self.split.weight.data = emb.weight.data.view(emb.out_features, 128, *ss.kernel_size).clone()
        self.split.bias.data = emb.bias.data.clone()

    def forward(self, feat, local_masks):
        gen = self.gen
        t, c, h, w = feat.shape
        tokens = self.split(feat).permute(0, 2, 3, 1).unsqueeze(0)  # [1, T, fh, fw, 512]
        mask = gen.max_pool(local_masks).permute(0, 2, 3, 1).unsqueeze(0)  # [1, L, fh, fw, 1]
        blocks = gen.transformers.transformer
        t2t = blocks[0].mlp.t2t_params
        for i, block in enumerate(blocks):
            t_ind = torch.arange(i % 2, t, 2)  # t_dilation 2, alternating even / odd frames
            _, tt, fh, fw, cc = tokens.shape
            y = tokens + window_attention(block.attention, block.norm1(tokens), mask, t_ind)
            z = block.norm2(y)
            tokens = y + fusion_feed_forward(block.mlp, z.reshape(1, tt * fh * fw, cc), h, w, t2t).reshape(1, tt, fh, fw, cc)
        sc = gen.sc
        folded = sc.embedding(tokens.reshape(1, -1, tokens.shape[-1])).reshape(t, -1, 128 * 49).permute(0, 2, 1)
        trans = sc.bias_conv(F.fold(folded, output_size=(h, w), kernel_size=sc.kernel_size, stride=sc.stride, padding=sc.padding))
        l = local_masks.shape[0]
        return (feat + trans)[:l]


class PpDecoder(nn.Module):
    def __init__(self, gen):
        super().__init__()
        self.gen = gen

    def forward(self, feat):
        return torch.tanh(self.gen.decoder(feat))


# ---------------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------------

def export(module, args, names_in, names_out, axes, path):
    torch.onnx.export(module, args, path, opset_version=OPSET, input_names=names_in, output_names=names_out,
                      dynamic_axes=axes, do_constant_folding=True, dynamo=False)


def export_all(raft, rfc, gen, out_dir, size, dynamic):
    h, w = size
    h4, w4, h8, w8 = h // 4, w // 4, h // 8, w // 8
    yes = torch.tensor([True])
    d = lambda *names: {i: n for i, n in names if dynamic or n in ("N", "B", "T", "L")}  # noqa: E731
    img = d((0, "N"), (2, "H"), (3, "W"))
    f8 = d((0, "B"), (2, "h8"), (3, "w8"))
    f8n = d((0, "N"), (2, "h8"), (3, "w8"))
    f4 = d((0, "B"), (2, "h4"), (3, "w4"))
    f4n = d((0, "N"), (2, "h4"), (3, "w4"))
    seq = d((0, "B"), (1, "T"), (3, "H"), (4, "W"))
    p = lambda name: os.path.join(out_dir, f"{name}.onnx")  # noqa: E731

    export_raft(raft, out_dir, size, dynamic)

    t = 6
    export(RfcEncoder(rfc), (torch.zeros(1, t, 2, h, w), torch.zeros(1, t, 1, h, w)), ["masked_flows", "masks"], ["feat_mid", "feat_e1"],
           {"masked_flows": seq, "masks": seq, "feat_mid": d((0, "B"), (1, "T"), (3, "h8"), (4, "w8")), "feat_e1": d((0, "B"), (1, "T"), (3, "h4"), (4, "w4"))}, p("rfc_encoder"))
    z8 = torch.zeros(1, 128, h8, w8)
    export(RfcPropBackward(rfc, "backward_", False), (z8, z8, z8, yes), ["feat_current", "feat_prev1", "feat_prev2", "has_previous"], ["feat_prop"],
           {k: f8 for k in ["feat_current", "feat_prev1", "feat_prev2", "feat_prop"]}, p("rfc_prop_backward"))
    export(RfcPropForward(rfc, "forward_", True), (z8, z8, z8, z8, yes), ["feat_current", "feat_backward", "feat_prev1", "feat_prev2", "has_previous"], ["feat_prop"],
           {k: f8 for k in ["feat_current", "feat_backward", "feat_prev1", "feat_prev2", "feat_prop"]}, p("rfc_prop_forward"))
    export(RfcDecoder(rfc), (z8, z8, z8, torch.zeros(1, 64, h4, w4)), ["feat_backward", "feat_forward", "feat_mid", "feat_e1"], ["flow"],
           {"feat_backward": f8n, "feat_forward": f8n, "feat_mid": f8n, "feat_e1": f4n, "flow": img}, p("rfc_decoder"))

    export(PpEncoder(gen), (torch.zeros(2, 3, h, w), torch.zeros(2, 1, h, w), torch.zeros(2, 1, h, w)), ["frames", "masks_in", "masks_updated"], ["feat"],
           {"frames": img, "masks_in": img, "masks_updated": img, "feat": f4n}, p("pp_encoder"))
    z4 = torch.zeros(1, 128, h4, w4)
    fl = torch.zeros(1, 2, h4, w4)
    names = ["feat_current", "feat_prev", "flow", "flow_check", "masks", "has_previous"]
    export(PpPropBackward(gen, "backward_1"), (z4, z4, fl, fl, fl, yes), names, ["feat_prop"],
           {k: f4 for k in names[:5] + ["feat_prop"]}, p("pp_prop_backward"))
    export(PpPropForward(gen, "forward_1"), (z4, z4, fl, fl, fl, yes, z4), names + ["feat_encoded"], ["feat_prop", "feat_fused"],
           {k: f4 for k in names[:5] + ["feat_encoded", "feat_prop", "feat_fused"]}, p("pp_prop_forward"))
    export(PpTransformer(gen), (torch.zeros(9, 128, h4, w4), torch.zeros(6, 1, h4, w4)), ["feat", "local_masks"], ["feat_out"],
           {"feat": d((0, "T"), (2, "h4"), (3, "w4")), "local_masks": d((0, "L"), (2, "h4"), (3, "w4")), "feat_out": d((0, "L"), (2, "h4"), (3, "w4"))}, p("pp_transformer"))
    export(PpDecoder(gen), (torch.zeros(2, 128, h4, w4),), ["feat"], ["frames"], {"feat": f4n, "frames": img}, p("pp_decoder"))


def to_fp16(out_dir):
    import onnx
    from onnxconverter_common import float16

    for g in GRAPHS:
        if g == "raft":
            continue  # upstream keeps RAFT in fp32
        model = onnx.load(os.path.join(out_dir, f"{g}.onnx"))
        half = float16.convert_float_to_float16(model, keep_io_types=True, op_block_list=FP16_KEEP_FP32)
        onnx.save(half, os.path.join(out_dir, f"{g}.fp16.onnx"))


def write_manifest(out_dir, fp16):
    files = []
    for precision in ("fp32", "fp16") if fp16 else ("fp32",):
        for g in GRAPHS:
            if precision == "fp16" and g == "raft":
                continue
            name = f"{g}.onnx" if precision == "fp32" else f"{g}.fp16.onnx"
            path = os.path.join(out_dir, name)
            with open(path, "rb") as fh:
                digest = hashlib.sha256(fh.read()).hexdigest()
            files.append({"file": name, "graph": g, "precision": precision, "url": name, "size": os.path.getsize(path), "sha256": digest})
    manifest = {"name": "propainter", "contract": CONTRACT_VERSION, "license": LICENSE, "baseUrl": None,
                "note": "Converted by models/convert/convert.py from the official ProPainter v0.1.0 weights.", "files": files}
    tmp = os.path.join(out_dir, "manifest.json.tmp")
    with open(tmp, "w") as fh:
        json.dump(manifest, fh, indent=2)
        fh.write("\n")
    os.replace(tmp, os.path.join(out_dir, "manifest.json"))


def check_with_onnxruntime(out_dir, size, dynamic):
    """Loads every file in onnxruntime and runs it on random inputs at the export size and, when the
    sizes are dynamic, at a second size, checking the output shapes."""
    import numpy as np
    import onnxruntime as ort

    sizes = [size] + ([(size[0] + 16, size[1] + 24)] if dynamic else [])
    rng = np.random.default_rng(0)
    for h, w in sizes:
        dims = {"N": 2, "B": 1, "T": 7, "L": 4, "H": h, "W": w, "h4": h // 4, "w4": w // 4, "h8": h // 8, "w8": w // 8}
        for g in GRAPHS:
            for name in (f"{g}.onnx", f"{g}.fp16.onnx"):
                path = os.path.join(out_dir, name)
                if not os.path.exists(path):
                    continue
                sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
                feeds = {}
                for i in sess.get_inputs():
                    shape = [d if isinstance(d, int) else dims[d] for d in i.shape]
                    if i.type == "tensor(int64)":
                        feeds[i.name] = np.array(3, dtype=np.int64)
                    elif i.type == "tensor(bool)":
                        feeds[i.name] = np.ones(shape, dtype=bool)
                    else:
                        feeds[i.name] = rng.standard_normal(shape).astype(np.float32) * 0.5
                outs = sess.run(None, feeds)
                print(f"  {name} at {w}x{h}: " + ", ".join(f"{o.name}{list(v.shape)}" for o, v in zip(sess.get_outputs(), outs)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--propainter", required=True, help="checkout of https://github.com/sczhou/ProPainter")
    ap.add_argument("--weights", help="folder with raft-things.pth, recurrent_flow_completion.pth, ProPainter.pth")
    ap.add_argument("--random-weights", action="store_true", help="export the architecture with random weights (no downloads)")
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--fixed-size", help="WxH: export for one processing size only (when dynamic H/W does not export)")
    ap.add_argument("--no-fp16", action="store_true", help="skip the fp16 variants")
    a = ap.parse_args()
    if not a.random_weights and not a.weights:
        ap.error("give --weights DIR, or --random-weights")
    os.makedirs(a.out, exist_ok=True)
    if a.fixed_size:
        w, h = (int(v) for v in a.fixed_size.lower().split("x"))
        if w % 8 or h % 8:
            ap.error("--fixed-size needs multiples of 8")
        size, dynamic = (h, w), False
    else:
        size, dynamic = (240, 432), True  # example size for tracing; axes stay dynamic
    register_deform_conv()
    raft, rfc, gen = load_upstream(a.propainter, a.weights, a.random_weights, a.out)
    with torch.no_grad():
        export_all(raft, rfc, gen, a.out, size, dynamic)
    if not a.no_fp16:
        to_fp16(a.out)
    write_manifest(a.out, not a.no_fp16)
    check_with_onnxruntime(a.out, size, dynamic)
    print(f"wrote {a.out} (contract v{CONTRACT_VERSION}); now run parity.py, then `cleanplate models import {a.out}`")


if __name__ == "__main__":
    main()
