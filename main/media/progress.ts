/**
 * Parses ffmpeg's machine-readable progress (`-progress`): blocks of key=value lines, each ended by
 * `progress=continue` or, for the last one, `progress=end`. Other lines (errors logged to the same
 * pipe) are ignored.
 */
export interface FfmpegProgress {
  /** Frames written so far. */
  frame: number;
  /** Output time reached, in seconds, when ffmpeg knows it. */
  outTimeSec: number | null;
  /** Encoding speed relative to real time ("2.5x" -> 2.5), when known. */
  speed: number | null;
  /** True for the final block. */
  done: boolean;
}

export class ProgressParser {
  private block = new Map<string, string>();

  /** Feeds one line; returns a progress report when the line ends a block. */
  push(line: string): FfmpegProgress | null {
    const m = /^\s*([a-z_0-9]+)=\s*(.*?)\s*$/.exec(line);
    if (!m) return null;
    const [, key, value] = m as unknown as [string, string, string];
    if (key !== 'progress') {
      this.block.set(key, value);
      return null;
    }
    const b = this.block;
    this.block = new Map();
    // out_time_us is the current name; ffmpeg 4.x also wrote out_time_ms, in microseconds too.
    const micros = Number(b.get('out_time_us') ?? b.get('out_time_ms'));
    const speed = Number.parseFloat(b.get('speed') ?? '');
    return {
      frame: Number.parseInt(b.get('frame') ?? '0', 10) || 0,
      outTimeSec: Number.isFinite(micros) && micros >= 0 ? micros / 1e6 : null,
      speed: Number.isFinite(speed) ? speed : null,
      done: value === 'end',
    };
  }
}
