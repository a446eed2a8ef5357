// Runs once before the vitest suites: makes sure the generated test media exists (ffmpeg, cached
// under .cache/test-media so reruns are fast). Individual helpers generate on demand as well.
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export default async function setup() {
  const dir = path.resolve(__dirname, '../../.cache/test-media');
  mkdirSync(dir, { recursive: true });
  process.env.CLEANPLATE_TEST_MEDIA = dir;
}
