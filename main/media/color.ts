/**
 * Colour matrices for ffmpeg's scale filter, from the tags ffprobe reports. Conversions name the
 * matrix and range explicitly: ffmpeg 4.1 does not pass some containers' tags (e.g. a ProRes MOV's
 * colr atom) to its decoder and would fall back to BT.601, shifting every colour.
 */
import type { ColorInfo } from '../../common/contract/types';

/** swscale's name for the YCbCr matrix of a colour space tag (bt470bg, smpte170m and untagged: bt601). */
export function swscaleMatrix(space: string | null | undefined): string {
  if (!space) return 'bt601';
  if (space.startsWith('bt2020')) return 'bt2020';
  if (space === 'bt709' || space === 'smpte240m' || space === 'fcc') return space;
  return 'bt601';
}

/** scale options that read YCbCr input with the source's own matrix and range. */
export function inputColorOptions(pixelFormat: string, color: ColorInfo | null | undefined): string[] {
  if (!/^(yuv|yuvj|nv|p0|y2|uyvy|yuyv)/.test(pixelFormat) || !color) return [];
  return [...(color.space && color.space !== 'gbr' ? [`in_color_matrix=${swscaleMatrix(color.space)}`] : []), ...(color.range ? [`in_range=${color.range}`] : [])];
}

/** scale options that write YCbCr with the matrix and range the output's tags will announce. */
export function outputColorOptions(color: ColorInfo | null | undefined): string[] {
  return [`out_color_matrix=${swscaleMatrix(color?.space)}`, `out_range=${color?.range === 'pc' ? 'pc' : 'tv'}`];
}
