/**
 * The ffmpeg output side shared by the frame encoder and the export transcode: codec settings per
 * format, the container the file name asks for, colour conversion and tags, and audio (stream copy
 * when the container takes the codec, else AAC or PCM).
 */
import path from 'node:path';
import { UserError } from '../../common/errors';
import type { ColorInfo } from '../../common/contract/types';
import { inputColorOptions, outputColorOptions } from './color';
import { runTool } from './process';
import { describeReadFailure } from './source';
import { codedSize, unrotateFilter, type Rotation } from './rotation';

export type OutputFormat = 'h264' | 'h265' | 'prores' | 'png' | 'ffv1';

interface FormatSpec {
  label: string;
  /** File extension -> ffmpeg muxer; the first is the default. */
  containers: Record<string, string>;
  crf?: { default: number; max: number };
  /** Display matrix survives in this format's containers (MP4/MOV). */
  rotation: boolean;
}

export const FORMATS: Record<OutputFormat, FormatSpec> = {
  h264: { label: 'H.264', containers: { '.mp4': 'mp4', '.m4v': 'mp4', '.mov': 'mov', '.mkv': 'matroska' }, crf: { default: 18, max: 51 }, rotation: true },
  // x265's CRF scale sits about 2-4 above x264's for the same quality.
  h265: { label: 'H.265', containers: { '.mp4': 'mp4', '.mov': 'mov', '.mkv': 'matroska' }, crf: { default: 20, max: 51 }, rotation: true },
  prores: { label: 'ProRes 422', containers: { '.mov': 'mov' }, rotation: true },
  ffv1: { label: 'FFV1', containers: { '.mkv': 'matroska' }, rotation: false },
  png: { label: 'PNG sequence', containers: {}, rotation: false },
};

/** The muxer for `target`; a file name whose extension the format cannot use is refused. */
export function muxerFor(format: OutputFormat, target: string): string {
  if (format === 'png') return 'image2';
  const spec = FORMATS[format];
  const ext = path.extname(target).toLowerCase();
  const muxer = spec.containers[ext];
  if (!muxer)
    throw new UserError('bad-input', `${target}: ${spec.label} is written as ${Object.keys(spec.containers).join(', ')}; change the file name's extension.`);
  return muxer;
}

export interface VideoOutputOptions {
  format: OutputFormat;
  /** Upright size of the frames going in. */
  width: number;
  height: number;
  inputPixelFormat: 'rgb24' | 'gray';
  crf?: number;
  rotation: Rotation;
  color: ColorInfo | null;
  /** The input's pixel format and tags, when it is a YCbCr video rather than raw RGB. */
  source?: { pixelFormat: string; color: ColorInfo | null };
}

/** `-vf` chain and codec options for the video stream. */
export function videoOutputArgs(o: VideoOutputOptions): string[] {
  const rotation = FORMATS[o.format].rotation ? o.rotation : 0;
  const coded = codedSize(o.width, o.height, rotation);
  const pixFmt = outputPixelFormat(o.format, o.inputPixelFormat, coded);
  const filters = [unrotateFilter(rotation), conversionFilter(pixFmt, o.color, o.source), `format=${pixFmt}`, tagFilter(pixFmt, o.color)].filter(Boolean);
  const spec = FORMATS[o.format];
  let crf = o.crf ?? spec.crf?.default;
  if (spec.crf && (crf === undefined || !Number.isFinite(crf) || crf < 0 || crf > spec.crf.max))
    throw new UserError('bad-input', `CRF ${o.crf} is outside 0..${spec.crf.max} for ${spec.label}; lower is better quality (${spec.crf.default} is the default).`);
  const codec: Record<OutputFormat, string[]> = {
    h264: ['-c:v', 'libx264', '-preset', 'medium', '-crf', String(crf)],
    // hvc1 is the tag Apple players need; x265 otherwise prints its banner on stderr.
    h265: ['-c:v', 'libx265', '-preset', 'medium', '-crf', String(crf), '-tag:v', 'hvc1', '-x265-params', 'log-level=error'],
    prores: ['-c:v', 'prores_ks', '-profile:v', '2', '-vendor', 'apl0'],
    // Intra-only with sliced, CRC-checked frames: fast to encode on several cores and to seek in.
    ffv1: ['-c:v', 'ffv1', '-level', '3', '-g', '1', '-slices', '4', '-slicecrc', '1'],
    png: ['-c:v', 'png'],
  };
  return ['-vf', filters.join(','), ...codec[o.format], ...(o.format === 'png' || o.format === 'ffv1' ? [] : colorTagArgs(o.color))];
}

function outputPixelFormat(format: OutputFormat, input: 'rgb24' | 'gray', coded: { width: number; height: number }): string {
  switch (format) {
    case 'png':
      return input;
    case 'ffv1':
      return input === 'gray' ? 'gray' : 'bgr0'; // ffv1 stores RGB losslessly (reversible colour transform)
    case 'prores':
      return 'yuv422p10le';
    default:
      // 4:2:0 needs even sizes; odd sizes keep every pixel in 4:4:4 rather than being cropped.
      return coded.width % 2 === 0 && coded.height % 2 === 0 ? 'yuv420p' : 'yuv444p';
  }
}

/** To YUV with the matrix and range the tags will announce, so players show the same colours. */
function conversionFilter(pixFmt: string, color: ColorInfo | null, source: VideoOutputOptions['source']): string | null {
  if (!pixFmt.startsWith('yuv')) return null;
  return `scale=${[...(source ? inputColorOptions(source.pixelFormat, source.color) : []), ...outputColorOptions(color)].join(':')}`;
}

/**
 * Stamps the tags on the frames themselves: ffmpeg 5 and later take an encoder's colour properties
 * from its frames, and prores_ks (whose MOV colr atom is written from them) otherwise loses them.
 */
function tagFilter(pixFmt: string, color: ColorInfo | null): string | null {
  if (!pixFmt.startsWith('yuv') || !color) return null;
  const params = [
    ...(color.range ? [`range=${color.range === 'pc' ? 'pc' : 'tv'}`] : []),
    ...(color.space && color.space !== 'gbr' ? [`colorspace=${color.space}`] : []),
    ...(color.primaries ? [`color_primaries=${color.primaries}`] : []),
    ...(color.transfer ? [`color_trc=${color.transfer}`] : []),
  ];
  return params.length ? `setparams=${params.join(':')}` : null;
}

/** Colour tag options; they apply to stream copies as well as encodes. */
export function colorTagArgs(color: ColorInfo | null): string[] {
  if (!color) return [];
  return [
    ...(color.range ? ['-color_range', color.range] : []),
    ...(color.space && color.space !== 'gbr' ? ['-colorspace', color.space] : []),
    ...(color.primaries ? ['-color_primaries', color.primaries] : []),
    ...(color.transfer ? ['-color_trc', color.transfer] : []),
  ];
}

/**
 * Container options. MP4s get their index at the front (faststart) so players can start before the
 * whole file has arrived; `final` is false for a file that is remuxed once more anyway. ffmpeg 4.1
 * writes MP4/MOV colour atoms only when asked (ProRes carries its tags nowhere else).
 */
export function containerArgs(muxer: string, final: boolean, color: ColorInfo | null): string[] {
  if (muxer !== 'mp4' && muxer !== 'mov') return [];
  const flags = [...(muxer === 'mp4' && final ? ['+faststart'] : []), ...(hasColorTags(color) ? ['+write_colr'] : [])];
  return flags.length ? ['-movflags', flags.join('')] : [];
}

function hasColorTags(color: ColorInfo | null): boolean {
  return !!color && !!(color.primaries || color.transfer || (color.space && color.space !== 'gbr'));
}

/** Codecs each container takes as they are (stream copy). */
const COPYABLE: Record<string, (codec: string) => boolean> = {
  mp4: (c) => ['aac', 'mp3', 'mp2', 'ac3', 'eac3', 'alac'].includes(c),
  mov: (c) => ['aac', 'mp3', 'mp2', 'ac3', 'eac3', 'alac'].includes(c) || c.startsWith('pcm_'),
  matroska: () => true,
};

/**
 * Maps every audio stream of input `inputIndex` (the file `audioFrom`): copied when the container
 * takes the codec, else AAC (MP4, and H.264/H.265 in MOV) or 24-bit PCM (ProRes).
 */
export async function audioOutputArgs(format: OutputFormat, muxer: string, audioFrom: string, inputIndex: number, signal?: AbortSignal): Promise<string[]> {
  if (format === 'png') return [];
  let text: string;
  try {
    text = await runTool('ffprobe', ['-v', 'error', '-select_streams', 'a', '-show_entries', 'stream=codec_name', '-of', 'json', audioFrom], { signal, timeoutMs: 30_000 });
  } catch (err) {
    throw (await describeReadFailure(audioFrom, err)) ?? err;
  }
  const codecs = ((JSON.parse(text) as { streams?: Array<{ codec_name?: string }> }).streams ?? []).map((s) => s.codec_name ?? '');
  if (codecs.length === 0) return [];
  const args = ['-map', `${inputIndex}:a`];
  codecs.forEach((codec, i) => {
    if (COPYABLE[muxer]?.(codec)) args.push(`-c:a:${i}`, 'copy');
    else if (format === 'prores') args.push(`-c:a:${i}`, 'pcm_s24le');
    else args.push(`-c:a:${i}`, 'aac', `-b:a:${i}`, '256k');
  });
  return args;
}
