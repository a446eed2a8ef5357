// Runs once before the vitest suites: makes sure the generated test media exists (ffmpeg, cached
// under .cache/test-media so reruns are fast; individual helpers generate on demand as well), and
// builds the ProPainter fixture graphs once (real architecture, seeded weights; cached under
// .cache/fixture-models per builder version) so the test files share one set.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fixtureModels } from '../../models/fixtures';

export default async function setup() {
  const dir = path.resolve(__dirname, '../../.cache/test-media');
  mkdirSync(dir, { recursive: true });
  process.env.CLEANPLATE_TEST_MEDIA = dir;
  const started = Date.now();
  const models = await fixtureModels();
  const seconds = (Date.now() - started) / 1000;
  if (seconds > 1) console.log(`built the ProPainter fixture graphs in ${seconds.toFixed(1)} s (${models})`);
}
