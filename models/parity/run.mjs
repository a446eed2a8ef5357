// `npm run parity -- --upstream DIR ...`: starts parity.py with a Python that has PyTorch (the harness
// is a reference check, never part of the product): $PARITY_PYTHON, else Debian's /usr/bin/python3
// (python3-torch), else python3 on the PATH.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const python = process.env.PARITY_PYTHON || (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'parity.py');
const probe = spawnSync(python, ['-c', 'import torch, torchvision, scipy, PIL, cv2, imageio'], { encoding: 'utf8' });
if (probe.status !== 0) {
  console.error(`parity: ${python} cannot import PyTorch, torchvision, scipy, Pillow, OpenCV and imageio (${(probe.stderr || probe.error?.message || '').trim().split('\n').at(-1)}); install Debian's python3-torch python3-torchvision python3-scipy python3-opencv python3-imageio, or set PARITY_PYTHON`);
  process.exit(2);
}
const r = spawnSync(python, [script, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
