/**
 * Turns the command line's text values into checked values. Every refusal is a UserError whose one
 * line names the flag, what was wrong and what would be accepted, so the CLI never shows a stack.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../common/errors';
import { DeviceSchema, EngineIdSchema, ProPainterSettingsSchema, type Device, type EngineId, type ExportFormat, type ProPainterSettings, type Size } from '../../common/project/schema';
import type { OutputSpec } from '../engine/job';

const bad = (message: string) => new UserError('invalid-args', message);

const ENGINES = EngineIdSchema.options;
const DEVICES = DeviceSchema.options;
type WindowAveraging = ProPainterSettings['windowAveraging'];
const WINDOW_AVERAGING = ProPainterSettingsSchema.shape.windowAveraging.unwrap().options;

export function parseEngine(text: string): EngineId {
  const found = ENGINES.find((e) => e === text.toLowerCase());
  if (!found) throw bad(`unknown engine '${text}'; valid engines: ${ENGINES.join(', ')}`);
  return found;
}

export function parseDevice(text: string): Device {
  const found = DEVICES.find((d) => d === text.toLowerCase());
  if (!found) throw bad(`unknown device '${text}'; valid devices: ${DEVICES.join(', ')}`);
  return found;
}

/** `--size WxH`: the engine's processing size; ProPainter's networks need multiples of 8. */
export function parseSize(text: string): Size {
  const m = /^\s*(\d+)\s*[xX]\s*(\d+)\s*$/.exec(text);
  if (!m) throw bad(`--size ${text}: give width x height in pixels, e.g. --size 960x540`);
  const width = Number(m[1]);
  const height = Number(m[2]);
  if (width < 16 || height < 16 || width > 8192 || height > 8192)
    throw bad(`--size ${text}: width and height must be between 16 and 8192 pixels`);
  if (width % 8 || height % 8) {
    const w8 = Math.max(16, width - (width % 8));
    const h8 = Math.max(16, height - (height % 8));
    throw bad(`--size ${text}: width and height must be multiples of 8, e.g. --size ${w8}x${h8}`);
  }
  return { width, height };
}

/** `--range A:B`: inclusive source frame indices from 0; `A:` runs to the last frame, `:B` from the first. */
export function parseRange(text: string): { start: number; end: number | null } {
  const m = /^\s*(\d*)\s*:\s*(\d*)\s*$/.exec(text);
  if (!m || (m[1] === '' && m[2] === ''))
    throw bad(`--range ${text}: give first:last frame indices (inclusive, from 0), e.g. --range 10:49`);
  const start = m[1] === '' ? 0 : Number(m[1]);
  const end = m[2] === '' ? null : Number(m[2]);
  if (end !== null && start > end) throw bad(`--range ${text}: the first frame (${start}) is after the last (${end}); give first:last with first <= last`);
  return { start, end };
}

/** Checks a parsed range against the clip and fills an open end. */
export function resolveRange(range: { start: number; end: number | null }, frameCount: number): { start: number; end: number } {
  const last = frameCount - 1;
  const end = range.end ?? last;
  if (range.start > last || end > last)
    throw bad(`--range ${range.start}:${range.end ?? ''}: the clip has ${frameCount} frames (0 to ${last}); give a range within them`);
  return { start: range.start, end };
}

/** `--scale HxW`: how many times taller and wider the outpainted canvas is (1 to 4 each). */
export function parseScale(text: string): { scaleH: number; scaleW: number } {
  const num = '(\\d+(?:\\.\\d+)?|\\.\\d+)';
  const m = new RegExp(`^\\s*${num}\\s*[xX]\\s*${num}\\s*$`).exec(text);
  if (!m) throw bad(`--scale ${text}: give height x width factors, e.g. --scale 1x1.333 to widen 4:3 to 16:9`);
  const scaleH = Number(m[1]);
  const scaleW = Number(m[2]);
  if (scaleH < 1 || scaleW < 1 || scaleH > 4 || scaleW > 4)
    throw bad(`--scale ${text}: each factor must be between 1 and 4 (1 keeps that side), e.g. --scale 1x1.333`);
  if (scaleH === 1 && scaleW === 1) throw bad(`--scale ${text}: 1x1 adds nothing to fill; make at least one factor larger than 1`);
  return { scaleH, scaleW };
}

export function parseMaskDilation(text: string): number {
  if (!/^\s*\d+\s*$/.test(text) || Number(text) > 32)
    throw bad(`--mask-dilation ${text}: give a whole number of pixels from 0 to 32 (default 4)`);
  return Number(text);
}

/** `--window-averaging mean|halving`: how ProPainter combines overlapping windows (halving = upstream's, bit for bit). */
export function parseWindowAveraging(text: string): WindowAveraging {
  const found = WINDOW_AVERAGING.find((m) => m === text.toLowerCase());
  if (!found) throw bad(`--window-averaging ${text}: give ${WINDOW_AVERAGING.join(' or ')} (halving reproduces upstream ProPainter's output exactly)`);
  return found;
}

export function parseCrf(text: string): number {
  if (!/^\s*\d+\s*$/.test(text) || Number(text) > 51) throw bad(`--crf ${text}: give a whole number from 0 (lossless) to 51 (default 18)`);
  return Number(text);
}

type VideoFormat = Exclude<ExportFormat, 'png'> | 'ffv1';
/** What `--format` accepts: an encoding for a video file, or png for a frames folder. */
export type OutputFormat = VideoFormat | 'png';

/** Which encodings each container takes; the first is what the extension means on its own. */
const CONTAINERS: Record<string, VideoFormat[]> = {
  '.mp4': ['h264', 'h265'],
  '.m4v': ['h264', 'h265'],
  '.mov': ['prores', 'h264', 'h265'],
  '.mkv': ['h264', 'h265', 'ffv1', 'prores'],
};
const FORMATS: ReadonlyArray<OutputFormat> = ['h264', 'h265', 'prores', 'ffv1', 'png'];

export function parseFormat(text: string): OutputFormat {
  const found = FORMATS.find((f) => f === text.toLowerCase());
  if (!found) throw bad(`unknown format '${text}'; valid formats: ${FORMATS.join(', ')}`);
  return found;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * `--out`: a video file (the encoding follows the extension unless `--format` names another the
 * container takes) or a folder that receives 00000.png, 00001.png, ... A path without an
 * extension, ending in a separator, or naming an existing folder is a folder.
 */
export function outputSpecFor(out: string, opts: { format?: OutputFormat; crf?: number } = {}): OutputSpec {
  const resolved = path.resolve(out);
  const ext = path.extname(resolved).toLowerCase();
  const folder = /[\\/]$/.test(out) || ext === '' || isDirectory(resolved);
  if (folder) {
    if (opts.format && opts.format !== 'png') throw bad(`--format ${opts.format} needs a video file for --out (e.g. out.mkv); a folder receives PNG frames`);
    return { kind: 'frames', dir: resolved };
  }
  if (ext === '.png' || ext === '.jpg') throw bad(`--out ${out}: to write image frames give a folder (e.g. --out ${out.slice(0, -ext.length)}/), which receives 00000.png, 00001.png, ...`);
  const allowed = CONTAINERS[ext];
  if (!allowed) throw bad(`--out ${out}: cannot write '${ext}' files; use .mp4, .mkv or .mov, or a folder for PNG frames`);
  const format = opts.format ?? allowed[0]!;
  if (format === 'png') throw bad(`--format png writes a folder of frames; give a folder for --out instead of ${out}`);
  if (!allowed.includes(format)) throw bad(`--format ${format} cannot go into a ${ext} file; use ${allowed.join(' or ')} there, or another extension`);
  return { kind: 'video', path: resolved, format, ...(opts.crf !== undefined ? { crf: opts.crf } : {}) };
}
