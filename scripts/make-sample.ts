/**
 * Generates the bundled sample project into a folder (dist/sample/ at build time): `sample.mp4`, a
 * 4 s, 25 fps, 640x360 clip of a slowly panning landscape with a red ball rolling across it and a
 * soft tone, and `sample.cleanplate`, whose shape layer holds a keyed roto shape around the ball.
 * The keys come from the same motion the clip is drawn with, so interpolating them (linearly, as the
 * ball moves linearly) follows the ball on every frame. Skipped when the folder is up to date.
 *
 *   node dist/tools/make-sample.cjs <outDir>
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { commands, createProject, CURRENT_PROJECT_VERSION, serializeProject } from '../common/project/index';
import type { ProjectDoc, Vertex } from '../common/project/index';
import { locateFfmpeg } from '../main/media/locate';

export const SAMPLE = {
  width: 640,
  height: 360,
  fps: { num: 25, den: 1 },
  frames: 100,
  /** Background pan, whole pixels per frame (a fractional crop offset would jitter). */
  panSpeed: 2,
  ball: { radius: 26, x0: 90, y0: 262, vx: 4.4, vy: -0.9 },
  /** Roto margin around the ball, pixels. */
  margin: 8,
  keyFrames: [0, 33, 66, 99],
} as const;

export const SAMPLE_VIDEO = 'sample.mp4';
export const SAMPLE_PROJECT = 'sample.cleanplate';
/** Bump when the generator's output changes, so cached samples are rebuilt. */
const GENERATOR_VERSION = 2;

/** Where the ball's centre is at a frame: the one motion both the drawing and the keys use. */
export function ballCentreAt(frame: number): { x: number; y: number } {
  const { x0, y0, vx, vy } = SAMPLE.ball;
  return { x: x0 + vx * frame, y: y0 + vy * frame };
}

/** A bezier circle (4 vertices, handles at the standard 0.5523 kappa) around the ball at a frame. */
export function rotoVerticesAt(frame: number): Vertex[] {
  const { x, y } = ballCentreAt(frame);
  const r = SAMPLE.ball.radius + SAMPLE.margin;
  const k = 0.5523 * r;
  return [
    { x, y: y - r, inX: -k, inY: 0, outX: k, outY: 0 },
    { x: x + r, y, inX: 0, inY: -k, outX: 0, outY: k },
    { x, y: y + r, inX: k, inY: 0, outX: -k, outY: 0 },
    { x: x - r, y, inX: 0, inY: k, outX: 0, outY: -k },
  ];
}

export function sampleProject(appVersion: string): ProjectDoc {
  const created = '2026-01-01T00:00:00.000Z';
  const doc = createProject(
    { path: SAMPLE_VIDEO, relativePath: SAMPLE_VIDEO, width: SAMPLE.width, height: SAMPLE.height, fps: SAMPLE.fps, frameCount: SAMPLE.frames, rotation: 0 },
    created,
    appVersion,
  );
  commands.addLayer(doc, {
    layer: {
      id: 'sample-ball',
      name: 'Ball',
      kind: 'shape',
      feather: 2,
      shapes: [{ id: 'ball-roto', kind: 'bezier', closed: true, keys: SAMPLE.keyFrames.map((frame) => ({ frame, interp: 'linear', vertices: rotoVerticesAt(frame) })) }],
    },
  });
  return doc;
}

function ffmpegArgs(out: string): string[] {
  const { width: w, height: h, frames, panSpeed, ball } = SAMPLE;
  const fps = `${SAMPLE.fps.num}/${SAMPLE.fps.den}`;
  const seconds = (frames * SAMPLE.fps.den) / SAMPLE.fps.num;
  // Landscape: a sky gradient over rolling hills with a grassy texture, drawn once (geq is slow) as a
  // still wider than the frame, then panned left by cropping a moving window.
  const wide = w + panSpeed * frames;
  const horizon = `(150+28*sin(X/97)+13*sin(X/41))`;
  const grass = (c: number, a: number, b: number) => `${c}+${a}*sin(X/3.1+3*sin(Y/23))*cos(Y/2.7+2*sin(X/31))+${b}*sin((X+2*Y)/47)*cos(X/13)`;
  const sky = (top: number, slope: number) => `${top}+Y*${slope}`;
  const pick = (skyExpr: string, groundExpr: string) => `if(lt(Y,${horizon}),${skyExpr},${groundExpr}-(Y-${horizon})*0.12)`;
  const d = ball.radius * 2;
  const still = (n: number) => `trim=end_frame=1,loop=loop=${n}:size=1:start=0,setpts=N/(${fps}*TB)`;
  const graph = [
    `[0:v]format=rgb24,geq=r='${pick(sky(110, 0.35), grass(78, 22, 14))}':g='${pick(sky(160, 0.3), grass(132, 30, 18))}':b='${pick(sky(228, 0.05), grass(58, 14, 10))}',${still(frames)},crop=${w}:${h}:x='${panSpeed}*n':y=0[bg]`,
    // The ball: a red disc with a darker rim, drawn with an alpha mask.
    `[1:v]format=rgba,geq=r='if(lt(hypot(X-${ball.radius},Y-${ball.radius}),${ball.radius - 4}),222,150)':g='40':b='36':a='if(lt(hypot(X-${ball.radius}+0.5,Y-${ball.radius}+0.5),${ball.radius}),255,0)',${still(frames)}[ball]`,
    `[bg][ball]overlay=x='${ball.x0}+${ball.vx}*n-${ball.radius}':y='${ball.y0}+${ball.vy}*n-${ball.radius}':eof_action=endall,format=yuv420p[v]`,
  ].join(';');
  return [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `nullsrc=size=${wide}x${h}:rate=${fps}`,
    '-f', 'lavfi', '-i', `color=c=black:s=${d}x${d}:r=${fps}`,
    '-f', 'lavfi', '-i', `sine=frequency=220:sample_rate=48000:duration=${seconds}`,
    '-filter_complex', graph,
    '-map', '[v]', '-map', '2:a',
    // ffmpeg 4.1 drops buffered audio when -frames:v ends the file; cut by duration (DEVELOPING.md).
    '-t', seconds.toFixed(3),
    '-c:v', 'libx264', '-preset', 'medium', '-crf', '18', '-pix_fmt', 'yuv420p',
    '-af', 'volume=0.15', '-c:a', 'aac', '-b:a', '96k',
    '-movflags', '+faststart',
    out,
  ];
}

function generatorKey(appVersion: string): string {
  return createHash('sha1').update(JSON.stringify({ v: GENERATOR_VERSION, project: CURRENT_PROJECT_VERSION, SAMPLE, appVersion, args: ffmpegArgs('OUT') })).digest('hex');
}

/** Writes the sample into `outDir` unless it is already there for this generator; returns whether it wrote. */
export function makeSample(outDir: string, appVersion: string): boolean {
  const key = generatorKey(appVersion);
  const keyFile = path.join(outDir, '.generator-key');
  const video = path.join(outDir, SAMPLE_VIDEO);
  const project = path.join(outDir, SAMPLE_PROJECT);
  if (existsSync(video) && existsSync(project) && existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key) return false;

  mkdirSync(outDir, { recursive: true });
  const tmpVideo = path.join(outDir, `.${SAMPLE_VIDEO}.${process.pid}.tmp.mp4`);
  const r = spawnSync(locateFfmpeg().ffmpeg, ffmpegArgs(tmpVideo), { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(tmpVideo, { force: true });
    throw new Error(`ffmpeg could not render the sample clip: ${r.stderr.trim().split('\n').pop()}`);
  }
  renameSync(tmpVideo, video);
  const tmpProject = `${project}.${process.pid}.tmp`;
  writeFileSync(tmpProject, serializeProject(sampleProject(appVersion)));
  renameSync(tmpProject, project);
  writeFileSync(keyFile, key);
  return true;
}

if (require.main === module) {
  const outDir = path.resolve(process.argv[2] ?? 'dist/sample');
  const started = Date.now();
  try {
    const wrote = makeSample(outDir, process.env.CLEANPLATE_BUILD_VERSION ?? '0.0.0');
    if (wrote) console.log(`sample: wrote ${outDir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    console.error(`sample: ${(err as Error).message}`);
    process.exit(1);
  }
}
