/**
 * How a running job talks to the person or program that started the CLI.
 *
 * - `--json`: stdout carries JSON Lines only (start, progress, frame, notice, then done or one error),
 *   so scripts can parse it line by line; anything human goes to stderr.
 * - a terminal: a progress bar with ETA on stderr (cli-progress), notices above it.
 * - anything else (a log file, CI): plain progress lines on stderr, at most one every few seconds.
 * The final summary goes to stdout, so `cleanplate ... > log` keeps the result and not the chatter.
 */
import { MultiBar, type SingleBar } from 'cli-progress';
import type { ErrorInfo } from '../../common/errors';
import type { JobHooks, JobResult, JobStartInfo } from '../engine/job';

export interface CliStreams {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export interface JobReporter extends Required<JobHooks> {
  done(result: JobResult): void;
  /** Stops the bar (if any) so an error line lands on a clean line. */
  close(): void;
}

export type ReportMode = 'json' | 'bar' | 'lines';

export function reportModeFor(json: boolean, err: CliStreams['err']): ReportMode {
  return json ? 'json' : err.isTTY ? 'bar' : 'lines';
}

export function writeJsonLine(out: NodeJS.WritableStream, event: Record<string, unknown>): void {
  out.write(`${JSON.stringify(event)}\n`);
}

/** The one error output of every command: a JSON event with --json, else `cleanplate: <line>`. */
export function writeError(streams: CliStreams, json: boolean, info: ErrorInfo): void {
  const message = info.message.replace(/\s*\n\s*/g, ' ').trim();
  if (json) writeJsonLine(streams.out, { event: 'error', code: info.code, message });
  else streams.err.write(`cleanplate: ${message}\n`);
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const t = Math.max(0, Math.round(s));
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`;
  return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m`;
}

export function summaryLine(result: JobResult): string {
  const fps = result.seconds > 0 ? result.frames / result.seconds : 0;
  return (
    `Done: ${result.frames} frames in ${result.seconds.toFixed(1)} s (${fps.toFixed(1)} frames/s) ` +
    `with ${result.engine} on ${result.device}, peak memory ${Math.round(result.peakRssMb)} MB -> ${result.output}`
  );
}

/** Counts final frames and times them, for the bar, the plain lines and their ETA. */
class FrameClock {
  total = 0;
  finished = 0;
  stage = 'starting';
  stageDone = 0;
  stageTotal = 0;
  private readonly t0 = Date.now();

  elapsed(): number {
    return (Date.now() - this.t0) / 1000;
  }
  rate(): number {
    const e = this.elapsed();
    return e > 0 ? this.finished / e : 0;
  }
  eta(): number {
    const r = this.rate();
    return r > 0 ? (this.total - this.finished) / r : Infinity;
  }
  stageText(): string {
    return this.stageTotal > 0 ? `${this.stage} ${this.stageDone}/${this.stageTotal}` : this.stage;
  }
}

class JsonReporter implements JobReporter {
  /** Last time each stage's progress was written: a stage may report per pixel row; 20 lines/s is plenty. */
  private readonly lastProgress = new Map<string, number>();
  constructor(private readonly out: NodeJS.WritableStream) {}

  started(info: JobStartInfo): void {
    writeJsonLine(this.out, {
      event: 'start',
      engine: info.engine,
      device: info.device,
      frames: info.frameCount,
      width: info.width,
      height: info.height,
      processingWidth: info.processingWidth,
      processingHeight: info.processingHeight,
    });
  }
  progress(stage: string, done: number, total: number): void {
    const now = Date.now();
    if (done < total && now - (this.lastProgress.get(stage) ?? 0) < 50) return;
    this.lastProgress.set(stage, now);
    writeJsonLine(this.out, { event: 'progress', stage, done, total });
  }
  frame(index: number): void {
    writeJsonLine(this.out, { event: 'frame', index });
  }
  notice(message: string): void {
    writeJsonLine(this.out, { event: 'notice', message });
  }
  done(r: JobResult): void {
    writeJsonLine(this.out, {
      event: 'done',
      frames: r.frames,
      seconds: Math.round(r.seconds * 1000) / 1000,
      peakRssMb: Math.round(r.peakRssMb),
      engine: r.engine,
      device: r.device,
      output: r.output,
    });
  }
  close(): void {}
}

class BarReporter implements JobReporter {
  private readonly clock = new FrameClock();
  private readonly multi: MultiBar;
  private bar: SingleBar | null = null;

  constructor(private readonly streams: CliStreams) {
    this.multi = new MultiBar({
      stream: streams.err as NodeJS.WritableStream,
      format: '{bar} {value}/{total} frames | {rate} frames/s | ETA {etaText} | {stage}',
      barsize: 30,
      barCompleteChar: '\u2588',
      barIncompleteChar: '\u2591',
      hideCursor: true,
      clearOnComplete: true,
      fps: 8,
    });
  }

  private redraw(): void {
    const c = this.clock;
    if (c.total === 0) return; // not started: no frame count yet (probing, loading models)
    const payload = { stage: c.stageText(), rate: c.rate().toFixed(1), etaText: c.finished > 0 ? formatSeconds(c.eta()) : '?' };
    if (!this.bar) this.bar = this.multi.create(Math.max(1, c.total), c.finished, payload);
    else {
      this.bar.setTotal(Math.max(1, c.total));
      this.bar.update(c.finished, payload);
    }
  }
  started(info: JobStartInfo): void {
    this.clock.total = info.frameCount;
    this.multi.log(`${info.engine} on ${info.device}: ${info.frameCount} frames at ${info.width}x${info.height}, processing at ${info.processingWidth}x${info.processingHeight}\n`);
    this.redraw();
  }
  progress(stage: string, done: number, total: number): void {
    Object.assign(this.clock, { stage, stageDone: done, stageTotal: total });
    this.redraw();
  }
  frame(): void {
    this.clock.finished++;
    this.redraw();
  }
  notice(message: string): void {
    this.multi.log(`note: ${message}\n`);
    this.redraw();
  }
  done(r: JobResult): void {
    this.close();
    this.streams.out.write(`${summaryLine(r)}\n`);
  }
  close(): void {
    this.multi.stop();
  }
}

/** For logs and CI: a line when something changed and a few seconds passed, never a flood. */
class LineReporter implements JobReporter {
  private readonly clock = new FrameClock();
  private lastLine = 0;
  constructor(
    private readonly streams: CliStreams,
    private readonly everyMs = 2000,
  ) {}

  private maybeLine(force = false): void {
    const now = Date.now();
    // Before `started` there is no frame count to report (probing, loading models): stay quiet.
    if (this.clock.total === 0 || (!force && now - this.lastLine < this.everyMs)) return;
    this.lastLine = now;
    const c = this.clock;
    const pct = c.total > 0 ? Math.floor((100 * c.finished) / c.total) : 0;
    const eta = c.finished > 0 ? `, ETA ${formatSeconds(c.eta())}` : '';
    this.streams.err.write(`progress: ${c.finished}/${c.total} frames (${pct}%), ${c.rate().toFixed(1)} frames/s${eta}, ${c.stageText()}\n`);
  }
  started(info: JobStartInfo): void {
    this.clock.total = info.frameCount;
    this.streams.err.write(`${info.engine} on ${info.device}: ${info.frameCount} frames at ${info.width}x${info.height}, processing at ${info.processingWidth}x${info.processingHeight}\n`);
    this.lastLine = Date.now();
  }
  progress(stage: string, done: number, total: number): void {
    Object.assign(this.clock, { stage, stageDone: done, stageTotal: total });
    this.maybeLine();
  }
  frame(): void {
    this.clock.finished++;
    this.maybeLine(this.clock.finished === this.clock.total);
  }
  notice(message: string): void {
    this.streams.err.write(`note: ${message}\n`);
  }
  done(r: JobResult): void {
    this.streams.out.write(`${summaryLine(r)}\n`);
  }
  close(): void {}
}

export function createJobReporter(mode: ReportMode, streams: CliStreams, opts: { lineEveryMs?: number } = {}): JobReporter {
  if (mode === 'json') return new JsonReporter(streams.out);
  if (mode === 'bar') return new BarReporter(streams);
  return new LineReporter(streams, opts.lineEveryMs);
}
