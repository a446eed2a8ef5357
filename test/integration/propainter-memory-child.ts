// Child process for the ProPainter memory test: runs one job with runJob and prints its JobResult
// as JSON on the last line, so each clip length is measured in a fresh process.
import { runJob } from '../../main/engine/runner';
import type { JobSpec } from '../../main/engine/job';

const spec = JSON.parse(process.argv[2]!) as JobSpec;
runJob(spec, {}, new AbortController().signal).then(
  (result) => {
    console.log(JSON.stringify(result));
    process.exit(0);
  },
  (err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
