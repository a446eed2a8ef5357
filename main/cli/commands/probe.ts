/** `cleanplate probe <video>`: the media module's ProbeResult, as the app sees the file, pretty JSON on stdout. */
import { probeMedia } from '../../media';
import type { CliContext } from '../program';

export async function probeCommand(video: string, ctx: CliContext): Promise<void> {
  const result = await probeMedia(video, { signal: ctx.signal });
  ctx.streams.out.write(`${JSON.stringify(result, null, 2)}\n`);
}
