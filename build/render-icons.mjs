// Renders build/icon.svg into the icons electron-builder packs: icon.png (512, also converted to
// .icns on macOS builds), icons/<N>x<N>.png for Linux desktops, icon.ico for Windows.
// Needs Chromium (to rasterize the SVG) and the npm-bundled ffmpeg (to scale and write .ico).
//   node build/render-icons.mjs
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const ffmpeg = process.env.FFMPEG_PATH ?? createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg').path;
const chromium = process.env.CLEANPLATE_CHROMIUM ?? '/usr/bin/chromium';

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} failed: ${r.stderr}`);
}

const master = path.join(dir, 'icon.png');
run(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--default-background-color=00000000', '--window-size=512,512', `--screenshot=${master}.tmp.png`, pathToFileURL(path.join(dir, 'icon.svg')).href]);
renameSync(`${master}.tmp.png`, master);
mkdirSync(path.join(dir, 'icons'), { recursive: true });
for (const size of [16, 24, 32, 48, 64, 128, 256, 512]) {
  run(ffmpeg, ['-v', 'error', '-y', '-i', master, '-vf', `scale=${size}:${size}:flags=lanczos`, path.join(dir, 'icons', `${size}x${size}.png`)]);
}
run(ffmpeg, ['-v', 'error', '-y', '-i', master, '-vf', 'scale=256:256:flags=lanczos', '-c:v', 'png', '-f', 'ico', path.join(dir, 'icon.ico')]);
console.log('icons: wrote build/icon.png, build/icons/*.png, build/icon.ico');
