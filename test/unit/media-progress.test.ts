// The parser for ffmpeg's -progress output, fed the exact text ffmpeg writes (with error lines and
// partial blocks mixed in, as they arrive on a shared stderr).
import { describe, expect, it } from 'vitest';
import { ProgressParser } from '../../main/media/progress';

/** Two blocks as the bundled ffmpeg writes them (captured from `-progress pipe:2`). */
const OUTPUT = `frame=12
fps=0.00
stream_0_0_q=28.0
bitrate=N/A
total_size=48
out_time_us=400000
out_time_ms=400000
out_time=00:00:00.400000
dup_frames=0
drop_frames=0
speed=0.79x
progress=continue
[mp4 @ 0x3a1] a warning that is not progress
frame=30
fps=0.00
stream_0_0_q=-1.0
bitrate= 319.7kbits/s
total_size=43162
out_time_us=1080078
out_time_ms=1080078
out_time=00:00:01.080078
dup_frames=0
drop_frames=0
speed=13.4x
progress=end`;

describe('ProgressParser', () => {
  it('reports one progress per block with frame, time and speed, and marks the last', () => {
    const parser = new ProgressParser();
    const reports = OUTPUT.split('\n').map((l) => parser.push(l)).filter((r) => r !== null);
    expect(reports).toEqual([
      { frame: 12, outTimeSec: 0.4, speed: 0.79, done: false },
      { frame: 30, outTimeSec: 1.080078, speed: 13.4, done: true },
    ]);
  });

  it('reads the older out_time_ms key (microseconds too) and unknown values as null', () => {
    const parser = new ProgressParser();
    for (const line of ['frame=3', 'out_time_ms=120000', 'speed=N/A']) expect(parser.push(line)).toBeNull();
    expect(parser.push('progress=continue')).toEqual({ frame: 3, outTimeSec: 0.12, speed: null, done: false });
  });

  it('does not carry values from one block into the next', () => {
    const parser = new ProgressParser();
    parser.push('frame=9');
    parser.push('speed=2x');
    parser.push('progress=continue');
    expect(parser.push('progress=continue')).toEqual({ frame: 0, outTimeSec: null, speed: null, done: false });
  });

  it('ignores lines that are not key=value', () => {
    const parser = new ProgressParser();
    expect(parser.push('Error while decoding stream #0:0: Invalid data found when processing input')).toBeNull();
    expect(parser.push('')).toBeNull();
  });
});
