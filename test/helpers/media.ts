/**
 * Real test media, generated with ffmpeg and cached in .cache/test-media (keyed by the options, so a
 * changed generator makes new files). Tests never ship binary clips.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { locateFfmpeg } from '../../main/media/locate';
import { rotateTagFor } from '../../main/media/rotation';

export const repoRoot = path.resolve(__dirname, '../..');
export const bmxDir = path.resolve(repoRoot, '../shared/data/bmx-trees');
export const bmxFrames = path.join(bmxDir, 'frames');
export const bmxMasks = path.join(bmxDir, 'masks');

export function testMediaDir(): string {
  const dir = process.env.CLEANPLATE_TEST_MEDIA ?? path.join(repoRoot, '.cache/test-media');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function ffmpegPath(): string {
  return locateFfmpeg().ffmpeg;
}

/** Runs ffmpeg with an argument array; throws with its stderr on failure. */
export function runFfmpeg(args: string[]): void {
  const r = spawnSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${r.stderr}`);
}

export interface ClipOptions {
  width: number;
  height: number;
  frames: number;
  /** "25", "30000/1001", ... */
  fps?: string;
  /** A textured background that pans slowly, or ffmpeg's testsrc2 pattern (fast at large sizes). */
  background?: 'texture' | 'testsrc';
  /** Pixels per frame the background pans to the left. */
  panSpeed?: number;
  /** Draw a moving square (the object to remove). */
  square?: { size: number; x0: number; y0: number; dx: number; dy: number; color?: string } | null;
  audio?: boolean;
  /** Display rotation written into the container (the pixels stay as coded). */
  rotation?: 0 | 90 | 180 | 270;
  codec?: 'h264' | 'mjpeg' | 'ffv1';
  /** Make timestamps irregular (variable frame rate). */
  vfr?: boolean;
  container?: 'mp4' | 'mov' | 'mkv' | 'avi';
  /** Colour tags written into the stream (ffmpeg names: tv/pc, bt709, smpte170m, ...). */
  color?: { range?: string; space?: string; primaries?: string; transfer?: string };
}

/** Bump when the generator changes so cached files are regenerated. */
const GENERATOR_VERSION = 4;

function key(opts: object): string {
  return createHash('sha1').update(JSON.stringify({ v: GENERATOR_VERSION, ...opts })).digest('hex').slice(0, 12);
}

/** The moving square's top-left corner at frame n (what the generator draws). */
export function squareAt(square: NonNullable<ClipOptions['square']>, n: number): { x: number; y: number } {
  return { x: square.x0 + square.dx * n, y: square.y0 + square.dy * n };
}

/**
 * The overlay that draws the square where squareAt() says. The frame number comes from the time:
 * ffmpeg 4.1's overlay counts `n` from 1, and in YUV it rounds positions to even pixels.
 */
function squareOverlay(s: NonNullable<ClipOptions['square']>, fps: string): string {
  const n = `floor(t*${fps}+0.5)`;
  return `overlay=x='${s.x0}+${s.dx}*${n}':y='${s.y0}+${s.dy}*${n}':shortest=1:format=rgb`;
}

export function makeClip(name: string, opts: ClipOptions): string {
  const o = { fps: '25', background: 'texture' as const, panSpeed: 2, square: null, audio: false, rotation: 0 as NonNullable<ClipOptions['rotation']>, codec: 'h264' as const, vfr: false, container: 'mp4' as const, ...opts };
  const file = path.join(testMediaDir(), `${name}-${key(o)}.${o.container}`);
  if (existsSync(file)) return file;

  const { width: w, height: h, frames } = o;
  const inputs: string[] = [];
  let graph: string;
  if (o.background === 'testsrc') {
    inputs.push('-f', 'lavfi', '-i', `testsrc2=size=${w}x${h}:rate=${o.fps}`);
    graph = '[0:v]format=rgb24[bg]';
  } else {
    // A deterministic, non-repeating texture that pans by panSpeed pixels per frame.
    const sx = `(X+${o.panSpeed}*N)`;
    const r = `128+60*sin(${sx}/9)*cos(Y/7)+40*sin((${sx}+Y)/23)`;
    const g = `128+60*cos(${sx}/13)*sin(Y/11)+40*cos((${sx}-Y)/31)`;
    const b = `128+50*sin((${sx}*0.7+Y*1.3)/17)+50*cos(Y/29)`;
    inputs.push('-f', 'lavfi', '-i', `nullsrc=size=${w}x${h}:rate=${o.fps}`);
    graph = `[0:v]format=rgb24,geq=r='${r}':g='${g}':b='${b}'[bg]`;
  }
  if (o.square) {
    const s = o.square;
    inputs.push('-f', 'lavfi', '-i', `color=c=${s.color ?? 'red'}:s=${s.size}x${s.size}:r=${o.fps}`);
    graph += `;[bg][1:v]${squareOverlay(s, o.fps)},format=yuv420p[v]`;
  } else {
    graph += ';[bg]format=yuv420p[v]';
  }
  // Irregular timestamps need a fine time base, or the encoder rounds them back onto the 1/fps grid.
  if (o.vfr) graph = graph.replace(/\[v\]$/, `,settb=1/1000,setpts='(N+0.4*mod(N\\,3))/(${o.fps})/TB'[v]`);
  const audioArgs: string[] = [];
  if (o.audio) {
    const audioIndex = inputs.filter((a) => a === '-i').length;
    const [num, den = '1'] = o.fps.split('/');
    const seconds = (frames * Number(den)) / Number(num);
    inputs.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds.toFixed(3)}`);
    audioArgs.push('-map', `${audioIndex}:a`, '-c:a', 'aac', '-b:a', '96k');
  }
  const codecArgs =
    o.codec === 'mjpeg' ? ['-c:v', 'mjpeg', '-q:v', '3', '-pix_fmt', 'yuvj420p'] : o.codec === 'ffv1' ? ['-c:v', 'ffv1'] : ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '16', '-pix_fmt', 'yuv420p'];
  // Unique per process: several test workers may generate the same clip at once.
  const tmp = `${file}.${process.pid}.tmp.${o.container}`;
  rmSync(tmp, { force: true });
  runFfmpeg([
    ...inputs,
    '-filter_complex',
    graph,
    '-map',
    '[v]',
    ...audioArgs,
    // The bundled ffmpeg 4.1 drops buffered audio when -frames:v ends a file, so clips with audio
    // are cut by duration instead.
    ...(o.audio ? ['-t', ((frames * Number(o.fps.split('/')[1] ?? 1)) / Number(o.fps.split('/')[0])).toFixed(3)] : ['-frames:v', String(frames)]),
    ...codecArgs,
    ...(o.color?.range ? ['-color_range', o.color.range] : []),
    ...(o.color?.space ? ['-colorspace', o.color.space] : []),
    ...(o.color?.primaries ? ['-color_primaries', o.color.primaries] : []),
    ...(o.color?.transfer ? ['-color_trc', o.color.transfer] : []),
    ...(o.vfr ? ['-vsync', 'vfr', '-enc_time_base', '1:1000', '-bf', '0'] : []),
    tmp,
  ]);
  if (o.rotation) {
    // The bundled ffmpeg writes the display matrix only when stream-copying, so add it in a remux
    // (its rotate tag turns the wrong way: rotateTagFor() mirrors it).
    const rotated = `${file}.${process.pid}.rot.${o.container}`;
    runFfmpeg(['-i', tmp, '-map', '0', '-c', 'copy', '-metadata:s:v:0', `rotate=${rotateTagFor(o.rotation)}`, rotated]);
    renameSync(rotated, tmp);
  }
  renameSync(tmp, file);
  return file;
}

/** Encodes a folder of numbered frames (e.g. the bmx-trees JPEGs) into an H.264 clip; cached. */
export function makeClipFromFrames(name: string, framesDir: string, opts: { fps?: string; pattern?: string } = {}): string {
  const o = { fps: '24', pattern: '%05d.jpg', framesDir, ...opts };
  const file = path.join(testMediaDir(), `${name}-${key(o)}.mp4`);
  if (existsSync(file)) return file;
  const tmp = `${file}.${process.pid}.tmp.mp4`;
  runFfmpeg(['-framerate', o.fps, '-i', path.join(framesDir, o.pattern), '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '16', '-pix_fmt', 'yuv420p', tmp]);
  renameSync(tmp, file);
  return file;
}

/** Writes per-frame PNG masks of the moving square (white = remove) into a folder; returns it. */
export function makeSquareMasks(name: string, opts: { width: number; height: number; frames: number; square: NonNullable<ClipOptions['square']> }): string {
  const dir = path.join(testMediaDir(), `${name}-masks-${key(opts)}`);
  if (existsSync(dir)) return dir;
  const tmpDir = `${dir}.${process.pid}.tmp`;
  rmSync(tmpDir, { recursive: true, force: true });
  mkdirSync(tmpDir, { recursive: true });
  const s = opts.square;
  runFfmpeg([
    '-f', 'lavfi', '-i', `color=c=black:s=${opts.width}x${opts.height}:r=25`,
    '-f', 'lavfi', '-i', `color=c=white:s=${s.size}x${s.size}:r=25`,
    '-filter_complex', `[0:v][1:v]${squareOverlay(s, '25')},format=gray[v]`,
    '-map', '[v]', '-frames:v', String(opts.frames), '-start_number', '0', path.join(tmpDir, '%05d.png'),
  ]);
  try {
    renameSync(tmpDir, dir);
  } catch {
    rmSync(tmpDir, { recursive: true, force: true }); // another worker finished first
  }
  return dir;
}

/** Process ids of the running children of this process whose command is `name` (Linux /proc). */
export function childProcesses(name: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...
      const m = /^\d+ \((.*)\) (\S) (\d+)/.exec(stat);
      if (m && m[1] === name && m[2] !== 'Z' && Number(m[3]) === process.pid) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/**
 * A variable frame rate clip with audio whose timing can be checked: frames 0..25 at 25 fps, so
 * frame 25 sits at exactly 1.00 s, then 10 fps with 0-8 ms of jitter (times on a 1/90000 grid), 60
 * frames in all. Frame 25 is all white and a 1 kHz beep starts at 1.00 s in the otherwise silent
 * AAC track: in an output in sync the flash and the beep start together.
 */
export function makeVfrSyncClip(name: string, opts: { width: number; height: number }): string {
  const o = { kind: 'vfr-sync', ...opts };
  const file = path.join(testMediaDir(), `${name}-${key(o)}.mp4`);
  if (existsSync(file)) return file;
  const tmp = `${file}.${process.pid}.tmp.mp4`;
  runFfmpeg([
    '-f', 'lavfi', '-i', `testsrc2=size=${opts.width}x${opts.height}:rate=25`,
    '-f', 'lavfi', '-i', `aevalsrc='0.6*sin(2*PI*1000*t)*between(t,${VFR_FLASH_SECONDS},${VFR_FLASH_SECONDS + 0.1})':s=48000:d=4.5`,
    '-filter_complex',
    `[0:v]trim=end_frame=60,drawbox=c=white:t=fill:enable='eq(n,${VFR_FLASH_FRAME})',settb=1/90000,` +
      `setpts='if(lte(N,25),N/25,1+(N-25)/10+0.004*mod(N,3))/TB',format=yuv420p[v]`,
    '-map', '[v]', '-map', '1:a',
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '16', '-bf', '0', '-fps_mode', 'vfr', '-enc_time_base', '1:90000',
    '-c:a', 'aac', '-b:a', '96k',
    tmp,
  ]);
  renameSync(tmp, file);
  return file;
}

/** The white frame of makeVfrSyncClip and its time, where the beep starts. */
export const VFR_FLASH_FRAME = 25;
export const VFR_FLASH_SECONDS = 1;
