// Runs one export in a process of its own (for the kill tests): `tsx export-child.ts <video> <out>`.
// Prints "progress" once frames are being written, then "done".
import { exportVideo } from '../../main/media/export';

const [video, out] = process.argv.slice(2) as [string, string];
let told = false;
exportVideo({
  video,
  audioFrom: null,
  out,
  format: 'h264',
  crf: 18,
  onProgress: (done) => {
    if (!told && done > 0) {
      told = true;
      process.stdout.write('progress\n');
    }
  },
}).then(
  () => process.stdout.write('done\n'),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);
