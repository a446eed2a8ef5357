/**
 * probeMedia(): what a video, a folder of frames or a single image holds (size, rotation, rational
 * fps, VFR, exact frame count, duration, audio, pixel format, colour tags).
 *
 * ffprobe is spawned directly rather than through fluent-ffmpeg's ffprobe(): that one cannot be
 * aborted or timed out and parses the flat text output, which loses the display-matrix side data.
 */
import { UserError } from '../../common/errors';
import type { AudioStreamInfo, ColorInfo, ProbeResult } from '../../common/contract/types';
import { parseRational, type Rational } from '../../common/time';
import { runTool } from './process';
import { describeReadFailure, inspectSource, notMedia } from './source';

/** ProPainter's default rate for a folder of frames, which carries no timing of its own. */
export const FOLDER_FPS: Rational = { num: 24, den: 1 };

const PROBE_TIMEOUT_MS = 30_000;
/** Formats ffmpeg reads as video that are not pictures (text rendered as ANSI art, subtitles). */
const NOT_MEDIA_FORMATS = new Set(['tty', 'ass', 'srt', 'webvtt', 'lrc']);
/** Counting packets reads the whole file (demux only, no decoding): allow for big files on slow disks. */
const PACKET_SCAN_TIMEOUT_MS = 120_000;

export interface ProbeOptions {
  signal?: AbortSignal;
  /** Hard limit for each ffprobe run. */
  timeoutMs?: number;
}

/** What seeking to an exact frame needs beyond the ProbeResult (see timing.ts). */
export interface SourceTiming {
  /** The file's start time, which ffmpeg adds to an input -ss. */
  formatStart: number;
  /** Presentation time of the first video frame. */
  videoStart: number;
  /** Every frame's presentation time in display order, for variable frame rate sources; else null. */
  frameTimes: number[] | null;
  /** The video stream's time base (the unit its timestamps count), when ffprobe reports one. */
  timeBase: Rational | null;
}

interface FfprobeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  bits_per_raw_sample?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  time_base?: string;
  start_time?: string;
  duration?: string;
  nb_frames?: string;
  color_range?: string;
  color_space?: string;
  color_transfer?: string;
  color_primaries?: string;
  channels?: number;
  sample_rate?: string;
  tags?: Record<string, string>;
  disposition?: Record<string, number>;
  side_data_list?: Array<{ side_data_type?: string; rotation?: number }>;
}

interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { format_name?: string; duration?: string; start_time?: string; tags?: Record<string, string> };
}

/** Timing of recently probed files, keyed by path and checked against size and mtime. */
const timingCache = new Map<string, { size: number; mtimeMs: number; timing: SourceTiming }>();
const TIMING_CACHE_ENTRIES = 16;

export function cachedTiming(path: string, size: number, mtimeMs: number): SourceTiming | null {
  const hit = timingCache.get(path);
  return hit && hit.size === size && hit.mtimeMs === mtimeMs ? hit.timing : null;
}

function rememberTiming(path: string, size: number, mtimeMs: number, timing: SourceTiming): void {
  timingCache.delete(path);
  timingCache.set(path, { size, mtimeMs, timing });
  if (timingCache.size > TIMING_CACHE_ENTRIES) timingCache.delete(timingCache.keys().next().value!);
}

export async function probeMedia(input: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const source = await inspectSource(input);
  if (source.kind === 'folder') {
    const first = await probeFile(source.files[0]!, opts);
    return imageProbe(input, first, source.files.length, 'frames');
  }
  const info = await probeFile(input, opts);
  const video = info.video;
  if (isSingleImage(info.format.format_name)) return imageProbe(input, info, 1, 'image');

  const declaredCount = Number(video.nb_frames);
  const r = parseRational(video.r_frame_rate);
  const avg = parseRational(video.avg_frame_rate);
  const ratesDisagree = !r || !avg || r.num * avg.den !== avg.num * r.den;
  const streamDuration = num(video.duration);
  // An edit list can hide frames that nb_frames still counts: the count must fit the duration.
  const countFitsDuration = !!r && streamDuration !== null && Math.abs(declaredCount - (streamDuration * r.num) / r.den) < 1;
  // Scan packets only when the header cannot be trusted: no consistent count, or two rates that disagree.
  const scan = !(declaredCount > 0) || !countFitsDuration || ratesDisagree ? await scanPackets(input, video, opts) : null;
  const frameCount = scan ? scan.count : declaredCount;
  if (frameCount === 0) throw new UserError('bad-input', `${input} contains no video frames; choose another file.`);
  const vfr = scan?.vfr ?? false;
  const duration = num(info.format.duration) ?? num(video.duration);
  const fps = (vfr ? (avg ?? r) : (r ?? avg)) ?? (duration ? parseRational(String(frameCount / duration)) : null) ?? FOLDER_FPS;

  rememberTiming(input, source.size, source.mtimeMs, {
    formatStart: num(info.format.start_time) ?? 0,
    videoStart: num(video.start_time) ?? num(info.format.start_time) ?? 0,
    frameTimes: vfr ? scan!.times : null,
    timeBase: parseRational(video.time_base),
  });
  return {
    ...frameInfo(input, info, await bitDepthOf(video, opts)),
    container: containerName(info.format),
    codec: video.codec_name ?? 'unknown',
    rotation: rotationOf(video),
    ...displaySize(video.width!, video.height!, rotationOf(video)),
    fps,
    vfr,
    frameCount,
    durationSec: duration ?? (frameCount * fps.den) / fps.num,
    audio: audioStreams(info.streams),
    isImageSequence: false,
  };
}

interface ProbedFile {
  format: NonNullable<FfprobeOutput['format']>;
  streams: FfprobeStream[];
  video: FfprobeStream;
}

async function probeFile(file: string, opts: ProbeOptions): Promise<ProbedFile> {
  let text: string;
  try {
    text = await runTool('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file], {
      signal: opts.signal,
      timeoutMs: opts.timeoutMs ?? PROBE_TIMEOUT_MS,
    });
  } catch (err) {
    throw (await describeReadFailure(file, err)) ?? err;
  }
  const out = JSON.parse(text) as FfprobeOutput;
  const streams = out.streams ?? [];
  // Cover art in audio files is a "video" stream too; it is not a video.
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic && s.width && s.height);
  // ffmpeg renders text files as video ("tty"); that is never what a user means.
  if (!out.format?.format_name || NOT_MEDIA_FORMATS.has(out.format.format_name)) throw notMedia(file);
  if (!video) {
    throw new UserError('bad-input', `${file} has no video stream${streams.some((s) => s.codec_type === 'audio') ? ' (it holds only audio)' : ''}; choose a video file.`);
  }
  return { format: out.format ?? {}, streams, video };
}

function isSingleImage(formatName: string | undefined): boolean {
  return !!formatName && (formatName === 'image2' || formatName.endsWith('_pipe'));
}

async function imageProbe(input: string, info: ProbedFile, count: number, container: 'frames' | 'image'): Promise<ProbeResult> {
  return {
    ...frameInfo(input, info, await bitDepthOf(info.video, {})),
    container,
    codec: info.video.codec_name ?? 'unknown',
    rotation: 0,
    width: info.video.width!,
    height: info.video.height!,
    fps: FOLDER_FPS,
    vfr: false,
    frameCount: count,
    durationSec: (count * FOLDER_FPS.den) / FOLDER_FPS.num,
    audio: [],
    isImageSequence: true,
  };
}

function frameInfo(input: string, info: ProbedFile, bitDepth: number) {
  const v = info.video;
  return {
    path: input,
    codedWidth: v.width!,
    codedHeight: v.height!,
    pixelFormat: v.pix_fmt ?? 'unknown',
    bitDepth,
    color: colorOf(v),
  };
}

/**
 * Counts the video packets and, when the rates disagree, checks their spacing for a variable rate.
 * Packets come in decode order; presentation times are sorted to get display order.
 */
async function scanPackets(input: string, video: FfprobeStream, opts: ProbeOptions): Promise<{ count: number; vfr: boolean; times: number[] }> {
  let text: string;
  try {
    text = await runTool('ffprobe', ['-v', 'error', '-select_streams', String(video.index), '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', input], {
      signal: opts.signal,
      timeoutMs: opts.timeoutMs ?? PACKET_SCAN_TIMEOUT_MS,
    });
  } catch (err) {
    throw (await describeReadFailure(input, err)) ?? err;
  }
  // "pts_time,flags" per packet; a packet flagged D is cut by an edit list and never shown.
  const shown = text
    .split('\n')
    .map((l) => l.trim().split(','))
    .filter(([, flags]) => flags !== undefined && !flags.includes('D'));
  const times = shown.map(([t]) => Number(t)).filter(Number.isFinite).sort((a, b) => a - b);
  const tb = parseRational(video.time_base);
  const tick = tb ? tb.num / tb.den : 0;
  return { count: shown.length, vfr: isVariableRate(times, tick), times };
}

/**
 * Frame durations vary by more than timestamp rounding (1.5 ticks of the time base, e.g. 33/34 ms
 * for 29.97 fps in Matroska's 1 ms base) and more than 1 % of the typical duration.
 */
export function isVariableRate(sortedTimes: number[], tick: number): boolean {
  if (sortedTimes.length < 3) return false;
  const deltas = sortedTimes.slice(1).map((t, i) => t - sortedTimes[i]!);
  const median = [...deltas].sort((a, b) => a - b)[deltas.length >> 1]!;
  const tolerance = Math.max(1.5 * tick, median * 0.01);
  return deltas.some((d) => Math.abs(d - median) > tolerance);
}

/** Clockwise rotation a player applies. ffprobe reports the display matrix counter-clockwise. */
function rotationOf(v: FfprobeStream): 0 | 90 | 180 | 270 {
  const matrix = v.side_data_list?.find((s) => typeof s.rotation === 'number');
  const clockwise = matrix ? -matrix.rotation! : Number(v.tags?.rotate ?? 0);
  const r = ((Math.round(clockwise / 90) * 90) % 360 + 360) % 360;
  return r as 0 | 90 | 180 | 270;
}

function displaySize(w: number, h: number, rotation: number) {
  return rotation === 90 || rotation === 270 ? { width: h, height: w } : { width: w, height: h };
}

function colorOf(v: FfprobeStream): ColorInfo {
  const tag = (s: string | undefined) => (s && s !== 'unknown' && s !== 'unspecified' ? s : null);
  return { range: tag(v.color_range), space: tag(v.color_space), transfer: tag(v.color_transfer), primaries: tag(v.color_primaries) };
}

function audioStreams(streams: FfprobeStream[]): AudioStreamInfo[] {
  return streams
    .filter((s) => s.codec_type === 'audio')
    .map((s) => ({
      index: s.index,
      codec: s.codec_name ?? 'unknown',
      channels: s.channels ?? 0,
      sampleRate: Number(s.sample_rate ?? 0),
      language: s.tags?.language && s.tags.language !== 'und' ? s.tags.language : null,
    }));
}

function containerName(format: NonNullable<FfprobeOutput['format']>): string {
  const name = format.format_name ?? 'unknown';
  if (name.startsWith('mov,')) return format.tags?.major_brand?.trim() === 'qt' ? 'mov' : 'mp4';
  return name.split(',')[0]!;
}

function num(text: string | undefined): number | null {
  const n = Number(text);
  return text !== undefined && text !== '' && Number.isFinite(n) ? n : null;
}

let pixelFormatDepths: Promise<Map<string, number>> | null = null;

/** Bits per component: the stream's own figure, else ffprobe's table of pixel formats. */
async function bitDepthOf(v: FfprobeStream, opts: ProbeOptions): Promise<number> {
  const raw = Number(v.bits_per_raw_sample);
  if (raw > 0) return raw;
  pixelFormatDepths ??= runTool('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_pixel_formats'], { timeoutMs: opts.timeoutMs ?? PROBE_TIMEOUT_MS })
    .then((text) => {
      const table = JSON.parse(text) as { pixel_formats: Array<{ name: string; components?: Array<{ bit_depth: number }> }> };
      return new Map(table.pixel_formats.map((f) => [f.name, Math.max(0, ...(f.components ?? []).map((c) => c.bit_depth))]));
    })
    .catch((err) => {
      pixelFormatDepths = null;
      throw err;
    });
  return (await pixelFormatDepths).get(v.pix_fmt ?? '') || 8;
}
