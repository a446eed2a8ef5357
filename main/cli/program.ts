/**
 * The `cleanplate` command line: commands, flags and help. Each command lives in commands/ and is
 * loaded only when it runs, so `cleanplate probe` does not pay for onnxruntime or OpenCV.
 */
import { Command, Option } from 'commander';
import { debugEnabled, describeFailure } from './failure';
import { parseCrf, parseDevice, parseEngine, parseFormat, parseMaskDilation, parseRange, parseScale, parseSize, parseWindowAveraging } from './options';
import { writeError, type CliStreams } from './reporter';

export interface CliContext {
  streams: CliStreams;
  /** Cancels the running command (Ctrl+C); index.ts wires it to SIGINT/SIGTERM. */
  signal: AbortSignal;
}

const version = process.env.CLEANPLATE_BUILD_VERSION ?? '0.0.0';

/** Flags shared by `inpaint` and `outpaint`. */
function addEngineFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('--engine <id>', 'classic (no model files) or propainter').argParser(parseEngine))
    .option('--models <dir>', 'folder with the ProPainter model files (default: the app\'s models folder)')
    .addOption(new Option('--size <WxH>', 'processing size, multiples of 8 (default: fit 960x540)').argParser(parseSize))
    .addOption(new Option('--device <name>', 'auto, cpu, cuda, webgpu, dml or coreml (ProPainter)').argParser(parseDevice))
    .option('--fp16', 'use half-precision models where the device supports them (ProPainter)')
    .addOption(new Option('--window-averaging <mode>', 'mean (default) or halving: upstream\'s exact combination of overlapping windows (ProPainter)').argParser(parseWindowAveraging))
    .addOption(new Option('--format <name>', 'video encoding: h264, h265, prores or ffv1 (default: from the extension)').argParser(parseFormat))
    .addOption(new Option('--crf <n>', 'H.264/H.265 quality, 0 (lossless) to 51').argParser(parseCrf))
    .option('--json', 'write JSON Lines events to stdout instead of a progress bar');
}

export function buildProgram(ctx: CliContext): Command {
  const { streams } = ctx;
  const program = new Command('cleanplate')
    .description('Remove unwanted things from video, on the same engines as the Cleanplate app.')
    .version(version, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => streams.out.write(s),
      writeErr: (s) => streams.err.write(s),
      // Commander's errors are reported by runCli (one line, or a JSON event with --json).
      outputError: () => {},
    })
    .addHelpText(
      'after',
      `
Examples:
  cleanplate doctor
  cleanplate probe clip.mp4
  cleanplate inpaint clip.mp4 --mask masks/ --out clean.mp4
  cleanplate inpaint frames/ --mask mask.png --out clean/ --range 10:49
  cleanplate inpaint clip.mp4 --mask clip.cleanplate --out clean.mov --engine propainter --device cuda --fp16
  cleanplate outpaint clip.mp4 --scale 1x1.333 --out wide.mp4
  cleanplate models import ~/Downloads/propainter-onnx

With --json, stdout carries JSON Lines: start, progress, frame, notice, then done or one error.
Exit status: 0 done, 1 failed, 2 wrong command line, 130 cancelled (Ctrl+C).
Set CLEANPLATE_DEBUG=1 to see a stack trace when something fails.`,
    );

  program
    .command('doctor')
    .description('print what a bug report needs: ffmpeg, onnxruntime and its execution providers, models, data folder, versions')
    .option('--json', 'the same as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { doctorCommand } = await import('./commands/doctor');
      await doctorCommand(opts, ctx);
    });

  program
    .command('probe')
    .description('print what Cleanplate sees in a video, frames folder or image, as JSON')
    .argument('<video>', 'video file, folder of frames, or image')
    .action(async (video: string) => {
      const { probeCommand } = await import('./commands/probe');
      await probeCommand(video, ctx);
    });

  addEngineFlags(
    program
      .command('inpaint')
      .description('remove what the mask marks (white = remove) from every frame')
      .argument('<input>', 'video file or folder of frames (jpg/png, name order)')
      .requiredOption('--mask <path>', 'PNG folder (one per frame), one PNG for all frames, mask video, or a .cleanplate project')
      .requiredOption('--out <path>', 'video file (.mp4, .mkv, .mov) or folder for PNG frames 00000.png, ...')
      .addOption(new Option('--range <A:B>', 'inclusive frames to process (from 0); the others pass through').argParser(parseRange))
      .addOption(new Option('--mask-dilation <n>', 'grow the mask by N pixels at processing size (default 4)').argParser(parseMaskDilation)),
  ).action(async (input: string, opts) => {
    const { jobCommand } = await import('./commands/job');
    await jobCommand({ mode: 'inpaint', input, ...opts }, ctx);
  });

  addEngineFlags(
    program
      .command('outpaint')
      .description('extend the picture beyond its borders (e.g. --scale 1x1.333 widens 4:3 to 16:9)')
      .argument('<input>', 'video file or folder of frames')
      .addOption(new Option('--scale <HxW>', 'how many times taller and wider the result is, 1 to 4 each').argParser(parseScale).makeOptionMandatory())
      .requiredOption('--out <path>', 'video file (.mp4, .mkv, .mov) or folder for PNG frames'),
  ).action(async (input: string, opts) => {
    const { jobCommand } = await import('./commands/job');
    await jobCommand({ mode: 'outpaint', input, ...opts }, ctx);
  });

  const models = program.command('models').description('list, verify, import or download the ProPainter model files');
  const modelsDirOption = () => new Option('--models <dir>', 'models folder (default: the app\'s models folder)');
  models
    .command('list')
    .description('show each model file and whether each engine is ready')
    .addOption(modelsDirOption())
    .option('--json', 'print the status as JSON')
    .action(async (opts) => {
      const { modelsListCommand } = await import('./commands/models');
      await modelsListCommand(opts, ctx);
    });
  models
    .command('verify')
    .description('check every model file\'s size and sha256; fails when one is missing or damaged')
    .addOption(modelsDirOption())
    .option('--json', 'print the status as JSON')
    .action(async (opts) => {
      const { modelsVerifyCommand } = await import('./commands/models');
      await modelsVerifyCommand(opts, ctx);
    });
  models
    .command('import')
    .description('copy model files you downloaded or converted into the models folder, verifying each')
    .argument('<dir>', 'folder holding the .onnx files')
    .addOption(modelsDirOption())
    .option('--json', 'print the status as JSON')
    .action(async (dir: string, opts) => {
      const { modelsImportCommand } = await import('./commands/models');
      await modelsImportCommand(dir, opts, ctx);
    });

  models
    .command('download')
    .description('download the model files listed in the manifest, after you accept their licence')
    .option('--accept-license', 'accept the models\' licence (shown when this flag is missing)')
    .addOption(modelsDirOption())
    .option('--manifest <file>', 'download what this manifest lists instead of the bundled one (e.g. a mirror)')
    .option('--no-fp16', 'skip the optional half-precision files')
    .option('--json', 'write progress and the final status as JSON Lines')
    .action(async (opts) => {
      const { modelsDownloadCommand } = await import('./commands/models');
      await modelsDownloadCommand(opts, ctx);
    });

  return program;
}

/** Runs one command line; resolves to the exit status. Never throws. */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  const json = argv.includes('--json');
  try {
    await buildProgram(ctx).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    const code = (err as { code?: string }).code;
    // --help and --version end parsing by throwing; they are not failures.
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return 0;
    if (code === 'commander.help' || code === 'commander.executeSubCommandAsync') return (err as { exitCode?: number }).exitCode ?? 1;
    const failure = describeFailure(err);
    if (debugEnabled() && err instanceof Error && err.stack) ctx.streams.err.write(`${err.stack}\n`);
    writeError(ctx.streams, json, failure.info);
    return failure.exitCode;
  }
}
