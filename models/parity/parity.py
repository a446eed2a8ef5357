"""`npm run parity -- --upstream DIR`: the product's ProPainter pipeline against upstream's, end to end.

1. Inputs: the first --frames frames of a clip (default: upstream's own bmx-trees sample) written as
   PNG at each processing size (PIL bicubic for frames, nearest for masks, as upstream resizes), so
   both sides read identical pixels and neither resizes.
2. Weights: weights.py writes seeded, calibrated random weights of the real architecture as the
   three official .pth files.
3. Graphs: `cleanplate models import <the .pth folder> --models <tmp>`: the product's own builder.
4. Upstream: upstream_run.py runs inference_propainter.py (unmodified) at each size and dumps its
   stages; once more at the first size on frames perturbed by --perturb (the stability floor).
5. Product: `cleanplate inpaint ... --engine propainter --device cpu --window-averaging halving` at
   each size with the engine's stage trace (CLEANPLATE_PROPAINTER_TRACE*), writing PNG frames; and
   the product's image propagation alone on upstream's own completed flows (propagate.ts).
6. Compare stage by stage, print the tables and both implementations' seconds per frame per stage
   at the first size, and exit 1 when a figure is past its threshold (models/README.md, "Parity with
   upstream", says why each threshold is what it is). The trace writes its tensors outside the timed
   stages, so the traced run is also the timed one; upstream's timings come from its clean run, or
   from the stability run (the same frames, size and work) where the clean run has no CPU figures.
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, HERE)
import compare  # noqa: E402
import numpy as np  # noqa: E402

# Thresholds (models/README.md, "Parity with upstream"). Differences are product vs upstream.
THRESHOLDS = {
    # fp32 graphs against PyTorch: reassociation only, amplified by 20 RAFT iterations at most x10
    'raft_mean_px': 1e-3,
    'completed_mean_px': 1e-3,
    # image propagation decides per pixel (nearest sampling, a consistency threshold, a mask
    # threshold): a flow that differs by 1e-5 px can flip a decision; the fraction flipped stays small
    'propagated_masks_fraction': 0.002,
    # the same code on upstream's own flows: only float32-vs-float64 rounding at a threshold may differ
    'isolated_propagation_fraction': 1e-4,
    'isolated_propagation_max': 1e-6,
    'final_hole_psnr_db': 40.0,
    'final_hole_min_frame_psnr_db': 35.0,
}


def children_cpu():
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def run(cmd, env=None, log=None):
    """Runs a command to completion; returns its wall and CPU seconds (all its threads)."""
    started, cpu = time.perf_counter(), children_cpu()
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if log:
        open(log, 'w').write(r.stdout)
    if r.returncode != 0:
        sys.stderr.write(r.stdout[-4000:])
        raise SystemExit(f"parity: {' '.join(cmd[:3])} ... failed (exit {r.returncode}); its output is in {log}")
    return time.perf_counter() - started, children_cpu() - cpu


def prepare_clip(source_frames, source_masks, count, size, out):
    from PIL import Image
    frames = sorted(os.listdir(source_frames))[:count]
    masks = sorted(os.listdir(source_masks))[:count]
    if len(frames) < count or len(masks) < count:
        raise SystemExit(f'parity: {source_frames} has {len(frames)} frames and {len(masks)} masks; need {count}')
    os.makedirs(os.path.join(out, 'frames'), exist_ok=True)
    os.makedirs(os.path.join(out, 'masks'), exist_ok=True)
    for i, (f, m) in enumerate(zip(frames, masks)):
        img = Image.open(os.path.join(source_frames, f)).convert('RGB')
        mask = Image.open(os.path.join(source_masks, m)).convert('L')
        if img.size != size:
            img = img.resize(size, Image.BICUBIC)
            mask = mask.resize(size, Image.NEAREST)
        img.save(os.path.join(out, 'frames', f'{i:05d}.png'))
        mask.save(os.path.join(out, 'masks', f'{i:05d}.png'))
    return os.path.join(out, 'frames'), os.path.join(out, 'masks')


def product(clip, models, out, trace):
    """The product's CLI on one clip with upstream's settings (the defaults, and upstream's combination
    of overlapping windows) and the stage trace with tensors."""
    env = dict(os.environ, CLEANPLATE_PROPAINTER_TRACE=trace, CLEANPLATE_PROPAINTER_TRACE_TENSORS='1')
    frames, masks, (w, h) = clip
    cmd = ['node', os.path.join(REPO, 'bin', 'cleanplate.cjs'), 'inpaint', frames, '--mask', masks, '--out', out + os.sep,
           '--engine', 'propainter', '--device', 'cpu', '--models', models, '--size', f'{w}x{h}', '--mask-dilation', '4',
           '--window-averaging', 'halving']
    return run(cmd, env=env, log=trace + '.log')


def fmt(x):
    return f'{x:.3g}' if isinstance(x, float) else str(x)


def print_table(title, rows, stability=None):
    """Rows of (stage, region, max, mean, unit); `stability` adds the same figures of another pair of runs."""
    print(f'\n{title}')
    extra = f" {'stability max':>14} {'mean':>10}" if stability else ''
    print(f"  {'stage':<24} {'region':<34} {'max abs':>10} {'mean abs':>10}{extra}  unit")
    for stage, region, mx, mean, unit in rows:
        line = f'  {stage:<24} {region:<34} {fmt(mx):>10} {fmt(mean):>10}'
        if stability:
            other = stability.get((stage, region))
            line += f' {fmt(other[2]) if other else "-":>14} {fmt(other[3]) if other else "-":>10}'
        print(f'{line}  {unit}')


def main():
    ap = argparse.ArgumentParser(description='ProPainter parity and speed against upstream')
    ap.add_argument('--upstream', required=True, help='a checkout of sczhou/ProPainter (read, never modified)')
    ap.add_argument('--clip', help='folder with frames/ and masks/ (default: upstream inputs/object_removal/bmx-trees)')
    ap.add_argument('--frames', type=int, default=40)
    ap.add_argument('--sizes', default='432x240,456x256', help='processing sizes, the first is also timed')
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    ap.add_argument('--perturb', type=float, default=1e-4, help='frame noise (in [-1, 1] units) of the stability run')
    ap.add_argument('--stability', action=argparse.BooleanOptionalAction, default=True,
                    help='run upstream once more on perturbed frames (--no-stability: a quicker check, without the figures that give parity its meaning)')
    ap.add_argument('--interior', type=int, default=3, help='pixels of the hole edge left out of the final PSNR')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--work', help='keep intermediate files here (default: a temporary folder, removed); '
                    'weights and upstream runs already complete there are reused')
    ap.add_argument('--weights', help='use these .pth files instead of writing calibrated random ones')
    args = ap.parse_args()

    upstream = os.path.abspath(args.upstream)
    if not os.path.isfile(os.path.join(upstream, 'inference_propainter.py')):
        raise SystemExit(f'parity: {upstream} is not a ProPainter checkout (no inference_propainter.py); pass --upstream DIR of sczhou/ProPainter')
    if args.clip:
        src_frames, src_masks = os.path.join(args.clip, 'frames'), os.path.join(args.clip, 'masks')
    else:
        src_frames = os.path.join(upstream, 'inputs', 'object_removal', 'bmx-trees')
        src_masks = src_frames + '_mask'
    sizes = [tuple(int(v) for v in s.split('x')) for s in args.sizes.split(',')]
    work = os.path.abspath(args.work) if args.work else tempfile.mkdtemp(prefix='cleanplate-parity-')
    os.makedirs(work, exist_ok=True)
    py = sys.executable
    failures = []
    try:
        clips = {}
        for size in sizes:
            clips[size] = (*prepare_clip(src_frames, src_masks, args.frames, size, os.path.join(work, f'clip-{size[0]}x{size[1]}')), size)
        first = sizes[0]

        weights = os.path.abspath(args.weights) if args.weights else os.path.join(work, 'weights')
        reuse = lambda path: args.work and os.path.exists(path)  # noqa: E731
        if not args.weights and not reuse(os.path.join(weights, 'ProPainter.pth')):
            print(f'writing calibrated random weights (seed {args.seed}) ...', flush=True)
            run([py, os.path.join(HERE, 'weights.py'), '--upstream', upstream, '--frames', clips[first][0], '--masks', clips[first][1],
                 '--out', weights, '--seed', str(args.seed), '--threads', str(args.threads)], log=os.path.join(work, 'weights.log'))
        if not args.weights:
            calibration = json.loads(open(os.path.join(work, 'weights.log')).read().strip().splitlines()[-1])
            print('calibration (first frames):', json.dumps(calibration))

        models = os.path.join(work, 'models')
        if reuse(os.path.join(models, 'pp_transformer.onnx')):
            print(f'graphs: reused from {models}', flush=True)
        else:
            print('building the graphs with the product (`cleanplate models import`) ...', flush=True)
            wall, _ = run(['node', os.path.join(REPO, 'bin', 'cleanplate.cjs'), 'models', 'import', weights, '--models', models],
                          log=os.path.join(work, 'import.log'))
            print(f'  {wall:.1f} s')

        results = {}
        for size in sizes:
            tag = f'{size[0]}x{size[1]}'
            frames, masks, _ = clips[size]
            up_dir = os.path.join(work, f'upstream-{tag}')
            if reuse(os.path.join(up_dir, 'timings.json')):
                print(f'{tag}: upstream (reused from {up_dir})', flush=True)
            else:
                print(f'{tag}: upstream ...', flush=True)
                run([py, os.path.join(HERE, 'upstream_run.py'), '--upstream', upstream, '--weights', weights, '--frames', frames,
                     '--masks', masks, '--out', up_dir, '--threads', str(args.threads)], log=up_dir + '.log')
            print(f'{tag}: product image propagation on upstream flows ...', flush=True)
            iso_dir = os.path.join(work, f'propagation-{tag}')
            run(['node', '--import', 'tsx', os.path.join(HERE, 'propagate.ts'), up_dir, frames, iso_dir], log=iso_dir + '.log')
            pr_trace = os.path.join(work, f'product-{tag}')
            pr_out = os.path.join(work, f'product-{tag}-frames')
            if reuse(os.path.join(pr_trace, 'timings.json')):
                print(f'{tag}: product (reused from {pr_trace})', flush=True)
            else:
                print(f'{tag}: product ...', flush=True)
                wall, cpu = product(clips[size], models, pr_out, pr_trace)
                json.dump({'wall_seconds': wall, 'cpu_seconds': cpu}, open(os.path.join(pr_trace, 'process.json'), 'w'))
            ref = compare.load_upstream(up_dir)
            isolated = {name: np.load(os.path.join(iso_dir, name + '.npy')) for name in ('propagated', 'propagated_masks')}
            results[size] = (ref, compare.load_product(pr_trace, pr_out), isolated)

        st_dir = os.path.join(work, 'upstream-perturbed')
        if not args.stability:
            print('stability: not measured (--no-stability)')
        elif reuse(os.path.join(st_dir, 'timings.json')):
            print(f'{first[0]}x{first[1]}: upstream on perturbed frames (reused from {st_dir})', flush=True)
        else:
            print(f'{first[0]}x{first[1]}: upstream on frames perturbed by {args.perturb:g} (stability) ...', flush=True)
            run([py, os.path.join(HERE, 'upstream_run.py'), '--upstream', upstream, '--weights', weights, '--frames', clips[first][0],
                 '--masks', clips[first][1], '--out', st_dir, '--threads', str(args.threads), '--perturb', str(args.perturb)], log=st_dir + '.log')
        perturbed = compare.load_upstream(st_dir) if args.stability else None

        # ---- parity and stability -----------------------------------------------------------------
        ref = results[first][0]
        print('\nvalues (upstream, first size): ' + '; '.join(f'{k} {", ".join(fmt(v) for v in vals)}' for k, vals in compare.value_ranges(ref).items()))
        stability = {(r[0], r[1]): r for r in compare.stage_table(ref, perturbed, args.interior)} if perturbed else None
        for size in sizes:
            ref, prod, isolated = results[size]
            rows = compare.stage_table(ref, prod, args.interior)
            hole = ref['masks'][:, None]
            flipped = int((isolated['propagated_masks'] != ref['propagated_masks']).sum())
            same = hole & (isolated['propagated_masks'] == ref['propagated_masks'])[:, None]
            rows.insert(7, ('propagated (iso)', 'hole, same decisions', *compare.diff(ref['propagated'], isolated['propagated'], same), '[-1, 1]'))
            rows.insert(8, ('propagated_masks (iso)', 'hole', float(flipped), flipped / max(1, int(hole.sum())), 'pixels / fraction'))
            with_stability = size == first and stability is not None
            print_table(f'parity: product vs upstream, {size[0]}x{size[1]}, {len(ref["final"])} frames'
                        + (f'; stability: upstream vs upstream on frames + U(-{args.perturb:g}, {args.perturb:g}) noise' if with_stability else ''),
                        rows, stability if with_stability else None)
            p, worst = compare.hole_psnr(ref, prod['written'], args.interior)
            pe, worst_e = compare.hole_psnr(ref, prod['final'], 0)
            print(f'  final frames PSNR, hole interior ({args.interior} px in from the dilated hole\'s edge), written PNGs: {p:.2f} dB (worst frame {worst:.2f} dB)')
            print(f'  engine frames before the soft-edged composite, whole dilated hole: {pe:.2f} dB (worst frame {worst_e:.2f} dB)')
            if with_stability:
                sp, sworst = compare.hole_psnr(ref, perturbed['final'], args.interior)
                print(f'  stability: upstream final frames on perturbed input, same region: {sp:.2f} dB (worst frame {sworst:.2f} dB)')
            get = {(r[0], r[1]): r for r in rows}
            checks = [
                ('dilated hole: pixels that differ', get[('masks', 'frame')][2], 0, 'max'),
                ('RAFT flow mean abs diff (px)', max(get[('raft_forward', 'frame')][3], get[('raft_backward', 'frame')][3]), THRESHOLDS['raft_mean_px'], 'max'),
                ('completed flow mean abs diff in the hole (px)', max(get[('completed_forward', 'hole (predicted part)')][3], get[('completed_backward', 'hole (predicted part)')][3]), THRESHOLDS['completed_mean_px'], 'max'),
                ('propagation mask disagreement (fraction of the hole)', get[('propagated_masks', 'hole')][3], THRESHOLDS['propagated_masks_fraction'], 'max'),
                ('propagation on upstream flows: mask disagreement (fraction)', get[('propagated_masks (iso)', 'hole')][3], THRESHOLDS['isolated_propagation_fraction'], 'max'),
                ('propagation on upstream flows: max abs diff', get[('propagated (iso)', 'hole, same decisions')][2], THRESHOLDS['isolated_propagation_max'], 'max'),
                ('final PSNR in the hole interior (dB)', p, THRESHOLDS['final_hole_psnr_db'], 'min'),
                ('worst frame PSNR in the hole interior (dB)', worst, THRESHOLDS['final_hole_min_frame_psnr_db'], 'min'),
            ]
            for what, value, limit, kind in checks:
                ok = value <= limit if kind == 'max' else value >= limit
                print(f"  {'ok  ' if ok else 'FAIL'} {what}: {fmt(float(value))} ({'<=' if kind == 'max' else '>='} {limit:g})")
                if not ok:
                    failures.append(f'{size[0]}x{size[1]}: {what} {fmt(float(value))}')

        # ---- speed --------------------------------------------------------------------------------
        tag = f'{first[0]}x{first[1]}'
        up_t = json.load(open(os.path.join(work, f'upstream-{tag}', 'timings.json')))
        timed_run = f'upstream-{tag}'
        if 'cpu_seconds' not in up_t and args.stability:
            up_t = json.load(open(os.path.join(st_dir, 'timings.json')))
            timed_run = 'upstream-perturbed'
        pr_trace = os.path.join(work, f'product-{tag}')
        pr_t = json.load(open(os.path.join(pr_trace, 'timings.json')))
        pr_process = json.load(open(os.path.join(pr_trace, 'process.json'))) if os.path.exists(os.path.join(pr_trace, 'process.json')) else {}
        n = up_t['frames']
        graph_cpu = lambda prefix: sum(g.get('cpuSeconds', float('nan')) for name, g in pr_t['graphs'].items() if name.startswith(prefix))  # noqa: E731
        pr_stages = pr_t['stages']
        stages = [
            # name, upstream wall, upstream CPU, product wall, product CPU (graphs only; nan where not measured)
            ('optical flow (RAFT)', up_t['seconds'].get('raft', 0), up_t.get('cpu_seconds', {}).get('raft'), pr_stages['flow'], graph_cpu('raft')),
            ('flow completion', up_t['seconds'].get('flow_completion', 0), up_t.get('cpu_seconds', {}).get('flow_completion'), pr_stages['flowCompletion'], graph_cpu('rfc_')),
            ('image propagation', up_t['seconds'].get('image_propagation', 0), up_t.get('cpu_seconds', {}).get('image_propagation'), pr_stages['propagation'], None),
            ('generator', up_t['seconds'].get('generator', 0), up_t.get('cpu_seconds', {}).get('generator'), pr_stages['inpaint'], graph_cpu('pp_')),
            ('compositing', None, None, pr_stages['composite'], None),
        ]
        per = lambda v: '-' if v is None or v != v else f'{v / n:.3f}'  # noqa: E731
        ratio = lambda u, q: '-' if u is None or q is None or u != u or q != q or not q else f'{u / q:.2f}'  # noqa: E731
        print(f'\nspeed, {tag}, {n} frames, seconds per frame: upstream ({timed_run}) with {up_t["threads"]} PyTorch threads, '
              f'the product with onnxruntime\'s default intra-op threads (one per core: {os.cpu_count()} here); '
              f'load average now {", ".join(f"{x:.1f}" for x in os.getloadavg())} on {os.cpu_count()} cores')
        print('  wall time is inflated by whatever else the machine runs; CPU time (all threads of the process) much less so')
        print(f"  {'stage':<22} {'upstream wall':>14} {'product wall':>13} {'ratio':>6}   {'upstream CPU':>13} {'product CPU':>12} {'ratio':>6}")
        for name, uw, uc, pw, pc in stages:
            print(f'  {name:<22} {per(uw):>14} {per(pw):>13} {ratio(uw, pw):>6}   {per(uc):>13} {per(pc):>12} {ratio(uc, pc):>6}')
        up_stages = sum(s[1] or 0 for s in stages)
        pr_staged = sum(pr_stages.values())
        print(f"  {'the five stages':<22} {per(up_stages):>14} {per(pr_staged):>13} {ratio(up_stages, pr_staged):>6}")
        up_total, up_cpu = up_t['total_seconds'], up_t.get('total_cpu_seconds')
        pr_total, pr_cpu = pr_process.get('wall_seconds'), pr_process.get('cpu_seconds', pr_t.get('processCpuSeconds'))
        print(f"  {'end to end (process)':<22} {per(up_total):>14} {per(pr_total):>13} {ratio(up_total, pr_total):>6}   {per(up_cpu):>13} {per(pr_cpu):>12} {ratio(up_cpu, pr_cpu):>6}")
        print(f"  (upstream: loading the networks {up_t['setup_seconds']:.1f} s, reading frames and compositing {up_t['other_seconds']:.1f} s; "
              f"product: the engine's run {pr_t['wallSeconds']:.1f} s of which graphs {sum(g['seconds'] for g in pr_t['graphs'].values()):.1f} s)")
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    if failures:
        raise SystemExit('parity: FAILED: ' + '; '.join(failures))
    print('\nparity: all thresholds met')


if __name__ == '__main__':
    main()
