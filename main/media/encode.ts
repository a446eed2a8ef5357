/**
 * createEncoder(): writes upright raw frames to a video file (H.264, H.265, ProRes 422, FFV1) or a
 * PNG sequence through an ffmpeg pipe, at the source's exact rational fps, with its rotation,
 * colour tags and audio. Written under a temporary name, renamed into place by finish(), removed by
 * abort() or any failure.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../common/errors';
import type { ColorInfo } from '../../common/contract/types';
import { formatRational, type Rational } from '../../common/time';
import { bytesPerPixel } from './decode';
import { TIMESTAMP_FILE, timestampFileText, type FrameTimes } from './frame-times';
import { matroskaFrameHeader, matroskaHeader, toMatroskaTicks } from './matroska-frames';
import { audioOutputArgs, containerArgs, FORMATS, muxerFor, videoOutputArgs, type OutputFormat } from './output-args';
import { checkCompleteOutput, checkOutputTarget, commitOutput, describeWriteFailure, discardOutput, temporaryPathFor } from './output-files';
import { abortReason, startTool, ToolFailure, writeWithBackpressure, type ToolProcess } from './process';
import { writeRotation } from './remux';
import { removeStaleTemporariesOf } from './stale-files';
import type { Rotation } from './rotation';

export interface EncoderOptions {
  format: OutputFormat;
  width: number;
  height: number;
  fps: Rational;
  inputPixelFormat?: 'rgb24' | 'gray';
  /** H.264/H.265 quality (lower is better); defaults 18 / 20. */
  crf?: number;
  /** A file whose audio streams go into the output (not for PNG sequences). */
  audioFrom?: string | null;
  /** Display rotation to keep (MP4/MOV only; FFV1 and PNG store the frames upright). */
  rotation?: Rotation;
  color?: ColorInfo | null;
  /**
   * A variable frame rate source's frame times (frameTimesOf): frame k is written at times[k]
   * instead of k/fps. A PNG sequence has no timestamps: they go to timestamps.txt beside the PNGs.
   */
  frameTimes?: FrameTimes | null;
  signal?: AbortSignal;
}

export interface FrameEncoder {
  /** Queues one upright frame; resolves when the pipe has room for the next (backpressure). */
  write(frame: Uint8Array): Promise<void>;
  /** Closes the stream, completes the file and moves it to the target path. */
  finish(): Promise<{ path: string; frames: number }>;
  /** Stops ffmpeg and removes everything written. Safe to call more than once. */
  abort(): Promise<void>;
}

/**
 * Raw frames in Matroska, each with its time (matroska-frames.ts), starting where the source's video
 * starts after the file's start: ffmpeg moves every input to start at 0, so the offset is put back.
 */
function timedInputArgs(timed: FrameTimes): string[] {
  const offset = timed.times[0] ?? 0;
  return ['-f', 'matroska', ...(offset > 0 ? ['-itsoffset', offset.toFixed(6)] : [])];
}

/** Image names of a PNG sequence output: 00000.png, 00001.png, ... */
export const PNG_SEQUENCE_PATTERN = '%05d.png';

export function createEncoder(outPath: string, opts: EncoderOptions): FrameEncoder {
  const { format, width, height, signal } = opts;
  const inputPixelFormat = opts.inputPixelFormat ?? 'rgb24';
  const rotation = opts.rotation ?? 0;
  const kind = format === 'png' ? 'folder' : 'file';
  const muxer = muxerFor(format, outPath);
  const frameBytes = width * height * bytesPerPixel(inputPixelFormat);
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) throw new RangeError(`encoder size ${width}x${height} is not a positive integer size`);
  if (!(opts.fps.num > 0 && opts.fps.den > 0)) throw new RangeError(`encoder fps ${formatRational(opts.fps)} is not positive`);
  const videoArgs = videoOutputArgs({ format, width, height, inputPixelFormat, crf: opts.crf, rotation, color: opts.color ?? null });
  const timed = opts.frameTimes ?? null;
  checkOutputTarget(outPath, kind);
  signal?.throwIfAborted();

  const temporary = temporaryPathFor(outPath);
  let proc: ToolProcess | null = null;
  let frames = 0;
  let state: 'running' | 'finishing' | 'done' | 'aborted' | 'failed' = 'running';
  let failure: unknown = null;

  // ffmpeg starts once the audio source is probed (stream copy or re-encode is decided per stream).
  const started = (async () => {
    await removeStaleTemporariesOf(outPath); // what a killed earlier write of this target left
    if (kind === 'folder') await mkdir(temporary, { recursive: true });
    const audio = opts.audioFrom && format !== 'png' ? await audioOutputArgs(format, muxer, opts.audioFrom, 1, signal) : [];
    signal?.throwIfAborted();
    proc = startTool(
      'ffmpeg',
      [
        '-hide_banner', '-loglevel', 'error', '-nostats',
        ...(timed ? timedInputArgs(timed) : ['-f', 'rawvideo', '-pix_fmt', inputPixelFormat, '-s', `${width}x${height}`, '-framerate', formatRational(opts.fps)]),
        '-i', 'pipe:0',
        ...(audio.length ? ['-i', opts.audioFrom!] : []),
        '-map', '0:v:0', ...audio,
        ...videoArgs,
        '-fps_mode', 'passthrough',
        ...(timed ? ['-enc_time_base', formatRational(timed.timeBase)] : []),
        ...(format === 'png'
          ? ['-start_number', '0', '-f', 'image2', path.join(temporary, PNG_SEQUENCE_PATTERN)]
          : [...containerArgs(muxer, rotation === 0, opts.color ?? null), '-f', muxer, '-y', temporary]),
      ],
      { stdin: true, signal },
    );
    if (timed) await writeWithBackpressure(proc.stdin!, matroskaHeader(width, height, inputPixelFormat));
  })();
  started.catch(() => {}); // observed by write()/finish()

  // Stopping and removing happen once; every caller that sees the encoder stopped waits for it.
  let stopped: Promise<void> | null = null;
  const stop = () =>
    (stopped ??= (async () => {
      signal?.removeEventListener('abort', onAbort);
      await started.catch(() => {});
      proc?.kill();
      await proc?.exited;
      await discardOutput(temporary);
    })());
  const notRunning = async (call: string): Promise<never> => {
    await stopped;
    throw failure ?? new Error(`${call} after the encoder was ${state}`);
  };

  const fail = async (err: unknown): Promise<never> => {
    if (state !== 'aborted') state = 'failed';
    failure ??= signal?.aborted ? abortReason(signal) : err;
    await stop();
    throw failure;
  };

  /** Why ffmpeg stopped, in the user's words when it is about the output. */
  const exitError = async (): Promise<unknown> => {
    const { code } = await proc!.exited;
    if (signal?.aborted) return abortReason(signal);
    const log = proc!.stderrTail();
    return describeWriteFailure(outPath, log) ?? new ToolFailure('ffmpeg', code, log);
  };

  const onAbort = () => void encoder.abort();
  signal?.addEventListener('abort', onAbort, { once: true });

  const encoder: FrameEncoder = {
    async write(frame) {
      if (state !== 'running') return notRunning('write()');
      if (frame.length !== frameBytes) throw new RangeError(`frame has ${frame.length} bytes; ${width}x${height} ${inputPixelFormat} needs ${frameBytes}`);
      if (timed && frames >= timed.times.length) throw new RangeError(`frame ${frames} has no time: the source has ${timed.times.length} frames`);
      try {
        await started;
        if (timed) await writeWithBackpressure(proc!.stdin!, matroskaFrameHeader(toMatroskaTicks(timed.times[frames]! - timed.times[0]!), frame.length));
        await writeWithBackpressure(proc!.stdin!, frame);
        frames++;
      } catch (err) {
        return fail(proc ? await exitError() : err);
      }
    },

    async finish() {
      if (state !== 'running') return notRunning('finish()');
      state = 'finishing';
      try {
        await started;
        if (frames === 0) throw new Error('finish() without any frame written');
        proc!.stdin!.end();
        const { code } = await proc!.exited;
        if (code !== 0 || signal?.aborted) throw await exitError();
        await checkCompleteOutput(temporary, outPath, kind, frames, proc!.stderrTail());
        if (timed && kind === 'folder') await writeFile(path.join(temporary, TIMESTAMP_FILE), timestampFileText(timed.times.slice(0, frames)));
        if (rotation && FORMATS[format].rotation) await writeRotation(temporary, outPath, muxer, rotation, opts.color ?? null, signal);
        await commitOutput(temporary, outPath, kind);
        state = 'done';
        signal?.removeEventListener('abort', onAbort);
        return { path: outPath, frames };
      } catch (err) {
        return fail(err);
      }
    },

    async abort() {
      if (state === 'done') return;
      if (state !== 'failed') state = 'aborted';
      failure ??= signal?.aborted ? abortReason(signal) : new UserError('cancelled', `Writing ${outPath} was cancelled.`);
      await stop();
    },
  };
  return encoder;
}
