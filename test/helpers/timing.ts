/**
 * What a file's timing really is, read with ffprobe/ffmpeg: every video frame's presentation time,
 * the time of the brightest frame (a flash) and of the first loud audio sample (a beep).
 */
import { spawnSync } from 'node:child_process';
import { locateFfmpeg } from '../../main/media/locate';

function run(bin: string, args: string[]): Buffer {
  const r = spawnSync(bin, args, { maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** Presentation times in seconds of every video frame, in display order. */
export function videoFrameTimes(file: string): number[] {
  const text = run(locateFfmpeg().ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=pts_time', '-of', 'csv=p=0', file]).toString();
  return text
    .split('\n')
    .map((l) => l.replace(/,+$/, '').trim())
    .filter(Boolean)
    .map(Number)
    .sort((a, b) => a - b);
}

/** Index and time of the frame with the highest mean luma. */
export function brightestFrame(file: string): { index: number; seconds: number } {
  const text = run(locateFfmpeg().ffprobe, ['-v', 'error', '-f', 'lavfi', '-i', `movie=${file},signalstats`, '-show_entries', 'frame=pts_time:frame_tags=lavfi.signalstats.YAVG', '-of', 'csv=p=0']).toString();
  const frames = text
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(',').map(Number) as [number, number]);
  let best = 0;
  frames.forEach(([, y], i) => {
    if (y > frames[best]![1]) best = i;
  });
  return { index: best, seconds: frames[best]![0] };
}

/** When the first audio sample louder than a tenth of full scale plays, in the file's timeline. */
export function firstLoudSample(file: string): number {
  const start = Number(run(locateFfmpeg().ffprobe, ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=start_time', '-of', 'csv=p=0', file]).toString().trim());
  const pcm = run(locateFfmpeg().ffmpeg, ['-v', 'error', '-i', file, '-map', '0:a:0', '-ac', '1', '-ar', '48000', '-f', 's16le', '-']);
  const samples = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length >> 1);
  const i = samples.findIndex((s) => Math.abs(s) > 3277);
  if (i < 0) throw new Error(`${file} has no loud audio sample`);
  return start + i / 48000;
}
