"""Runs upstream ProPainter's own inference script, unmodified, and records its stages.

inference_propainter.py is executed as __main__ (runpy) from a scratch folder whose weights/ holds
the three .pth files (it loads them from there). Nothing of it is copied: the recording works from
outside, by wrapping the four model entry points it calls (RAFT_bi.forward, the flow-completion
network's forward_bidirect_flow / combine_flow, InpaintGenerator.img_propagation and forward) to time
them and keep the generator's per-window outputs, and by replacing imageio.mimwrite, which the script
calls at the very end, with a function that saves the script's own module-level results (raw and
completed flows, propagated frames and masks, the composited frames) as .npy files and the stage
timings as timings.json. --perturb adds uniform noise of that amplitude to the frames in [-1, 1]
(the stability measurement); the composite's source pixels stay the clean ones.
"""
import argparse
import json
import os
import runpy
import sys
import time
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--upstream', required=True)
    ap.add_argument('--weights', required=True, help='folder with raft-things.pth, recurrent_flow_completion.pth, ProPainter.pth')
    ap.add_argument('--frames', required=True)
    ap.add_argument('--masks', required=True)
    ap.add_argument('--out', required=True, help='folder for the .npy stage dumps and timings.json')
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    ap.add_argument('--perturb', type=float, default=0.0)
    ap.add_argument('--seed', type=int, default=7)
    ap.add_argument('--dump', action=argparse.BooleanOptionalAction, default=True)
    args = ap.parse_args()

    upstream = os.path.abspath(args.upstream)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    scratch = os.path.join(out, 'run')
    os.makedirs(scratch, exist_ok=True)
    link = os.path.join(scratch, 'weights')
    if not os.path.islink(link):
        os.symlink(os.path.abspath(args.weights), link)
    frames_dir, masks_dir = os.path.abspath(args.frames), os.path.abspath(args.masks)
    os.chdir(scratch)
    for p in (upstream, os.path.join(HERE, 'shim')):
        sys.path.insert(0, p)

    import imageio
    import numpy as np
    import torch
    torch.set_num_threads(args.threads)

    import core.utils
    from model.modules.flow_comp_raft import RAFT_bi
    from model.propainter import InpaintGenerator
    from model.recurrent_flow_completion import RecurrentFlowCompleteNet

    seconds = defaultdict(float)
    cpu_seconds = defaultdict(float)  # process CPU time (all threads): meaningful on a busy machine
    marks = {}
    windows = []

    def timed(cls, method, stage, keep=None):
        original = getattr(cls, method)

        def wrapper(self, *a, **k):
            marks.setdefault('first_stage', time.perf_counter())
            t, c = time.perf_counter(), time.process_time()
            result = original(self, *a, **k)
            seconds[stage] += time.perf_counter() - t
            cpu_seconds[stage] += time.process_time() - c
            if keep is not None:
                keep(result)
            return result

        setattr(cls, method, wrapper)

    timed(RAFT_bi, 'forward', 'raft')
    timed(RecurrentFlowCompleteNet, 'forward_bidirect_flow', 'flow_completion')
    timed(RecurrentFlowCompleteNet, 'combine_flow', 'flow_completion')
    timed(InpaintGenerator, 'img_propagation', 'image_propagation')
    timed(InpaintGenerator, 'forward', 'generator', keep=lambda r: windows.append(r[0].numpy().copy()) if args.dump else None)

    if args.perturb:
        clean = core.utils.to_tensors
        noise_gen = torch.Generator().manual_seed(args.seed)

        class PerturbedFrames:
            """to_tensors for RGB frames plus noise (to_tensors gives [0, 1]; the script then maps to [-1, 1])."""

            def __call__(self, images):
                t = clean()(images)
                if t.shape[1] == 3:
                    t = t + (torch.rand(t.shape, generator=noise_gen) * 2 - 1) * (args.perturb / 2)
                return t

        core.utils.to_tensors = PerturbedFrames

    def save(name, value):
        np.save(os.path.join(out, name + '.npy'), value)

    def finish(path, frames, **kwargs):
        if not path.endswith('inpaint_out.mp4'):
            return
        end = time.perf_counter()
        g = sys._getframe(1).f_globals  # the script's module namespace
        if args.dump:
            gt, pred = g['gt_flows_bi'], g['pred_flows_bi']
            save('raft_forward', gt[0][0].float().numpy())
            save('raft_backward', gt[1][0].float().numpy())
            save('completed_forward', pred[0][0].float().numpy())
            save('completed_backward', pred[1][0].float().numpy())
            save('propagated', g['updated_frames'][0].float().numpy())
            save('propagated_masks', g['updated_masks'][0, :, 0].numpy() > 0)
            save('masks', g['masks_dilated'][0, :, 0].numpy() > 0)
            save('final', np.stack(g['comp_frames']))
            np.savez(os.path.join(out, 'windows.npz'), *windows)
        total = end - marks['start']
        staged = sum(seconds.values())
        json.dump({
            'threads': torch.get_num_threads(),
            'frames': len(g['comp_frames']),
            'size': list(g['size']),
            'seconds': dict(seconds),
            'cpu_seconds': dict(cpu_seconds),
            'total_cpu_seconds': time.process_time() - marks['start_cpu'],
            'setup_seconds': marks['first_stage'] - marks['start'],
            'other_seconds': total - staged - (marks['first_stage'] - marks['start']),
            'total_seconds': total,
        }, open(os.path.join(out, 'timings.json'), 'w'), indent=1)

    imageio.mimwrite = finish
    sys.argv = ['inference_propainter.py', '--video', frames_dir, '--mask', masks_dir, '--output', os.path.join(scratch, 'results')]
    marks['start'] = time.perf_counter()
    marks['start_cpu'] = time.process_time()
    with torch.no_grad():
        runpy.run_path(os.path.join(upstream, 'inference_propainter.py'), run_name='__main__')
    if 'first_stage' not in marks:
        raise SystemExit('upstream inference ran no stage')


if __name__ == '__main__':
    main()
