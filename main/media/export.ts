/**
 * exportVideo(): the final transcode of the app's lossless FFV1 intermediate (upright frames) into
 * what the user asked for, with the source's audio, rotation and colour tags, through fluent-ffmpeg.
 * Progress comes from ffmpeg's -progress blocks; the output is written under a temporary name and
 * renamed on success; cancelling or failing leaves nothing behind.
 */
import type { ChildProcess } from 'node:child_process';
import ffmpeg from 'fluent-ffmpeg';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ColorInfo } from '../../common/contract/types';
import { formatRational, type Rational } from '../../common/time';
import { PNG_SEQUENCE_PATTERN } from './encode';
import { frameTimesOf, TIMESTAMP_FILE, timestampFileText, videoDelayOf, type FrameTimes } from './frame-times';
import { reapWithParent } from './child-reaper';
import { locateFfmpeg } from './locate';
import { audioOutputArgs, containerArgs, FORMATS, muxerFor, videoOutputArgs } from './output-args';
import { checkCompleteOutput, checkOutputTargetAsync, commitOutput, describeWriteFailure, discardOutput, temporaryPathFor } from './output-files';
import { probeMedia } from './probe';
import { removeStaleTemporariesOf } from './stale-files';
import { abortReason, reportCommandLine, ToolFailure } from './process';
import { ProgressParser } from './progress';
import { writeRotation } from './remux';
import type { Rotation } from './rotation';

export interface ExportOptions {
  /** The FFV1 intermediate (or any video whose frames are upright). */
  video: string;
  /** The source whose audio goes along (stream copy where possible); null for none. */
  audioFrom: string | null;
  out: string;
  format: 'h264' | 'h265' | 'prores' | 'png';
  crf?: number;
  rotation?: Rotation;
  color?: ColorInfo | null;
  /** Frame rate to stamp on the output; default: the intermediate's own. */
  fps?: Rational;
  /**
   * For a variable frame rate source, its frame times (frameTimesOf): the intermediate's timestamps
   * (to the millisecond, Matroska's unit) are kept on the source's time base, from where the video
   * started in the source. Without it a variable-rate intermediate keeps its own timestamps.
   */
  frameTimes?: FrameTimes | null;
  onProgress?(done: number, total: number): void;
  signal?: AbortSignal;
}

export interface ExportResult {
  path: string;
  frames: number;
  /** Wall-clock seconds the export took. */
  seconds: number;
}

export async function exportVideo(opts: ExportOptions): Promise<ExportResult> {
  const started = Date.now();
  const { format, out, signal } = opts;
  const kind = format === 'png' ? 'folder' : 'file';
  const muxer = muxerFor(format, out);
  await checkOutputTargetAsync(out, kind);
  await removeStaleTemporariesOf(out); // what a killed earlier export to this target left
  const probe = await probeMedia(opts.video, { signal });
  const rotation = opts.rotation ?? 0;
  const color = opts.color ?? null;
  const fps = opts.fps ?? probe.fps;
  // A variable frame rate keeps its timestamps; a constant one is stamped at exactly `fps`.
  const kept = opts.frameTimes ?? (await frameTimesOf(probe, signal));
  if (kept && kept.times.length !== probe.frameCount) throw new Error(`${kept.times.length} frame times for ${probe.frameCount} frames of ${opts.video}`);
  // ffmpeg starts the intermediate at its earliest stream (its audio may start before the video):
  // the video goes back to where it started in the source, so that the source's audio is in sync.
  const offset = kept ? (opts.frameTimes?.times[0] ?? 0) - (await videoDelayOf(probe, signal)) : 0;
  const timing = kept
    ? { input: Math.abs(offset) >= 1e-6 ? ['-itsoffset', offset.toFixed(6)] : [], output: ['-enc_time_base', formatRational(kept.timeBase)] }
    : { input: ['-r', formatRational(fps)], output: [] };
  const videoArgs = videoOutputArgs({
    format,
    width: probe.width,
    height: probe.height,
    inputPixelFormat: probe.pixelFormat.startsWith('gray') ? 'gray' : 'rgb24',
    crf: opts.crf,
    rotation,
    color,
    source: probe,
  });
  const audio = opts.audioFrom && format !== 'png' ? await audioOutputArgs(format, muxer, opts.audioFrom, 1, signal) : [];
  const temporary = temporaryPathFor(out);
  const remuxLater = rotation !== 0 && FORMATS[format].rotation;
  try {
    if (kind === 'folder') await mkdir(temporary);
    const { frames, log } = await transcode({
      inputs: [[opts.video, timing.input], ...(audio.length ? [[opts.audioFrom!, []] as [string, string[]]] : [])],
      outputArgs: [
        '-map', '0:v:0', ...audio, ...videoArgs,
        // One output frame per intermediate frame, at the time the input options above give it.
        '-fps_mode', 'passthrough', ...timing.output,
        ...(format === 'png' ? ['-start_number', '0', '-f', 'image2'] : [...containerArgs(muxer, !remuxLater, color), '-f', muxer]),
      ],
      target: format === 'png' ? path.join(temporary, PNG_SEQUENCE_PATTERN) : temporary,
      total: probe.frameCount,
      onProgress: opts.onProgress,
      signal,
    }).catch((err: unknown) => {
      throw signal?.aborted ? abortReason(signal) : ((err instanceof ToolFailure && describeWriteFailure(out, err.stderr)) || err);
    });
    if (frames !== probe.frameCount) throw new Error(`export wrote ${frames} of ${probe.frameCount} frames`);
    await checkCompleteOutput(temporary, out, kind, frames, log);
    if (kept && kind === 'folder') await writeFile(path.join(temporary, TIMESTAMP_FILE), timestampFileText(kept.times));
    if (remuxLater) await writeRotation(temporary, out, muxer, rotation, color, signal);
    signal?.throwIfAborted(); // cancelled as ffmpeg finished: still nothing at the target
    await commitOutput(temporary, out, kind);
    return { path: out, frames, seconds: (Date.now() - started) / 1000 };
  } catch (err) {
    await discardOutput(temporary);
    throw signal?.aborted ? abortReason(signal) : err;
  }
}

interface TranscodeJob {
  inputs: Array<[file: string, options: string[]]>;
  outputArgs: string[];
  target: string;
  total: number;
  onProgress?(done: number, total: number): void;
  signal?: AbortSignal;
}

/** Runs one ffmpeg transcode through fluent-ffmpeg; resolves with the frames written and its log. */
function transcode(job: TranscodeJob): Promise<{ frames: number; log: string }> {
  return new Promise((resolve, reject) => {
    job.signal?.throwIfAborted();
    const command = ffmpeg().setFfmpegPath(locateFfmpeg().ffmpeg);
    job.inputs.forEach(([file, options], i) => {
      command.input(file).inputOptions([...(i === 0 ? ['-hide_banner', '-loglevel', 'error', '-nostats', '-progress', 'pipe:2'] : []), ...options]);
    });
    command.outputOptions(job.outputArgs).output(job.target);
    const parser = new ProgressParser();
    let frames = 0;
    let log = '';
    command.on('stderr', (line: string) => {
      const progress = parser.push(line);
      if (progress) {
        frames = progress.frame;
        job.onProgress?.(Math.min(frames, job.total), job.total);
      } else if (!/^\s*[a-z_0-9]+=/.test(line)) {
        log = `${log}\n${line}`.slice(-16_384);
      }
    });
    command.on('start', (line: string) => {
      reportCommandLine(line);
      const proc = (command as unknown as { ffmpegProc?: ChildProcess }).ffmpegProc;
      if (proc) reapWithParent(proc);
    });
    const onAbort = () => command.kill('SIGKILL');
    job.signal?.addEventListener('abort', onAbort, { once: true });
    command.on('error', (err: Error) => {
      job.signal?.removeEventListener('abort', onAbort);
      reject(new ToolFailure('ffmpeg', null, log || err.message));
    });
    command.on('end', () => {
      job.signal?.removeEventListener('abort', onAbort);
      resolve({ frames, log });
    });
    command.run();
  });
}

