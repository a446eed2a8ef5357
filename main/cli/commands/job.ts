/**
 * `cleanplate inpaint` and `cleanplate outpaint`: checks the command line against the input, builds a
 * JobSpec and runs it in this process with the same runJob() the app's engine process uses.
 */
import { existsSync } from 'node:fs';
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../../common/errors';
import { restore } from '../../../common/project';
import { EngineSettingsSchema, type Device, type EngineId, type EngineSettings, type ProPainterSettings, type ProjectDoc, type Size } from '../../../common/project/schema';
import type { ProbeResult } from '../../../common/contract/types';
import type { JobSpec, MaskSpec, OutputSpec } from '../../engine/job';
import { runJob } from '../../engine/runner';
import { probeMedia } from '../../media';
import { resolveModelsDir } from './models';
import { outputSpecFor, resolveRange, type OutputFormat } from '../options';
import { createJobReporter, reportModeFor } from '../reporter';
import type { CliContext } from '../program';

export interface JobCommandOptions {
  mode: 'inpaint' | 'outpaint';
  input: string;
  out: string;
  mask?: string;
  range?: { start: number; end: number | null };
  maskDilation?: number;
  scale?: { scaleH: number; scaleW: number };
  engine?: EngineId;
  models?: string;
  size?: Size;
  device?: Device;
  fp16?: boolean;
  windowAveraging?: ProPainterSettings['windowAveraging'];
  format?: OutputFormat;
  crf?: number;
  json?: boolean;
}

const isProjectFile = (p: string) => path.extname(p).toLowerCase() === '.cleanplate';

/** The same file under another name (a symlink, `./x` vs `x`) is still the same file. */
async function samePath(a: string, b: string): Promise<boolean> {
  const real = async (p: string) => realpath(p).catch(() => path.resolve(p));
  return (await real(a)) === (await real(b));
}

/** Writing over the source or the masks would destroy what the job reads. */
async function refuseOverwritingInputs(output: OutputSpec, inputs: Array<[string, string | undefined]>): Promise<void> {
  const target = output.kind === 'video' ? output.path : output.dir;
  for (const [what, file] of inputs) {
    if (file && (await samePath(target, file)))
      throw new UserError('bad-input', `--out ${target} is the ${what}; choose another output path so the ${what} is kept`);
  }
}

/** A `.cleanplate` project given as --mask: its layers are the mask, its range and engine settings the defaults. */
async function loadProject(file: string, probe: ProbeResult): Promise<ProjectDoc> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError('not-found', `the mask project ${file} does not exist; check the --mask path`);
    throw new UserError('io', `cannot read the mask project ${file} (${code ?? 'error'}); check its permissions`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UserError('bad-input', `${file} is not a Cleanplate project (it is not valid JSON); give a project saved by Cleanplate`);
  }
  const restored = restore(json);
  if (!restored.ok) throw new UserError('bad-input', `${file} cannot be used: ${restored.message}`);
  const doc = restored.doc;
  const src = doc.source;
  if (src.frameCount !== probe.frameCount)
    throw new UserError(
      'bad-input',
      `the project ${file} was made for a clip of ${src.frameCount} frames, but ${probe.path} has ${probe.frameCount}; use the project's own video`,
    );
  // The rasterizer scales the project's geometry to the video, which is only right for the same shape of picture.
  if (Math.abs(src.width / src.height - probe.width / probe.height) > 0.01 * (probe.width / probe.height))
    throw new UserError(
      'bad-input',
      `the project ${file} was made for a ${src.width}x${src.height} picture, but ${probe.path} is ${probe.width}x${probe.height}; masks must have the video's aspect ratio`,
    );
  return doc;
}

function engineSettings(base: EngineSettings | undefined, o: JobCommandOptions): EngineSettings {
  const settings = EngineSettingsSchema.parse(base ?? {});
  if (o.engine) settings.id = o.engine;
  if (o.size) settings.processingSize = o.size;
  if (o.maskDilation !== undefined) settings.maskDilation = o.maskDilation;
  if (o.device) settings.device = o.device;
  if (o.fp16) settings.fp16 = true;
  if (o.windowAveraging) settings.propainter.windowAveraging = o.windowAveraging;
  return settings;
}

export async function jobCommand(o: JobCommandOptions, ctx: CliContext): Promise<void> {
  const { signal } = ctx;
  // Cheap checks first: a wrong --out should not wait for a probe or a model load.
  const output = outputSpecFor(o.out, { format: o.format, crf: o.crf });
  await refuseOverwritingInputs(output, [
    ['input', o.input],
    ['mask', o.mask],
  ]);

  if (o.mask && !existsSync(o.mask)) throw new UserError('not-found', `the mask ${o.mask} does not exist; check the --mask path`);
  const probe = await probeMedia(o.input, { signal });
  const project = o.mask && isProjectFile(o.mask) ? await loadProject(o.mask, probe) : null;
  const engine = engineSettings(project?.engine, o);
  const modelsDir = engine.id === 'propainter' ? await resolveModelsDir(o.models, { requireReady: true }) : (o.models ?? null);

  let masks: MaskSpec;
  if (o.mode === 'outpaint') masks = { kind: 'none' };
  else if (project) masks = { kind: 'document', doc: project };
  else masks = { kind: 'files', path: path.resolve(o.mask!) };

  const range = o.range ? resolveRange(o.range, probe.frameCount) : project ? { start: project.range.in, end: project.range.out } : null;
  const spec: JobSpec = {
    input: path.resolve(o.input),
    masks,
    mode: o.mode,
    ...(o.scale ? { outpaint: o.scale } : {}),
    range,
    engine,
    modelsDir,
    output,
    previews: null,
  };

  const reporter = createJobReporter(reportModeFor(!!o.json, ctx.streams.err), ctx.streams);
  try {
    const result = await runJob(spec, reporter, signal);
    reporter.done(result);
  } catch (err) {
    reporter.close();
    if (signal.aborted) {
      const reason = signal.reason instanceof UserError ? signal.reason.message : 'cancelled';
      throw new UserError('cancelled', `${reason}; nothing was written to ${output.kind === 'video' ? output.path : output.dir}`);
    }
    throw err;
  }
}
