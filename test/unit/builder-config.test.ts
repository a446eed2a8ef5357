// electron-builder.yml: targets, file association, icons, resources and the file rules, checked with
// electron-builder's own pattern matcher so a rule that stops matching fails here, not in a release.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { FileMatcher } from 'app-builder-lib/out/fileMatcher';
import { load as loadYaml } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { SAMPLE_PROJECT, SAMPLE_VIDEO } from '../../scripts/make-sample';

const root = path.resolve(__dirname, '../..');

interface ResourceSet {
  from: string;
  to: string;
  filter?: string[];
}
interface PlatformConfig {
  target: Array<string | { target: string; arch: string[] }>;
  icon: string;
  extraResources: ResourceSet[];
  files: string[];
}
interface BuilderConfig {
  appId: string;
  productName: string;
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  extraResources: ResourceSet[];
  fileAssociations: Array<{ ext: string; name: string; role: string }>;
  electronFuses: Record<string, boolean>;
  linux: PlatformConfig;
  win: PlatformConfig;
  mac: PlatformConfig;
}

const config = loadYaml(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const platforms = { linux: 'linux', win: 'win32', mac: 'darwin' } as const;

/** electron-builder's matcher for the app's own files (global + platform patterns, in order). */
function appFilter(platform: keyof typeof platforms, arch: string) {
  const expand = (p: string) => p.replace(/\$\{arch\}/g, arch);
  const m = new FileMatcher(root, '/out', expand, [...config.files, ...config[platform].files]);
  const filter = m.createFilter();
  return (rel: string) => filter(path.join(root, rel), { isDirectory: () => false } as never);
}

/** …and for node_modules, which electron-builder filters with the exclusions only. */
function moduleFilter(platform: keyof typeof platforms, arch: string) {
  const expand = (p: string) => p.replace(/\$\{arch\}/g, arch);
  const excludes = [...config.files, ...config[platform].files].filter((p) => p.startsWith('!'));
  const filter = new FileMatcher(root, '/out', expand, ['**/*', ...excludes]).createFilter();
  return (rel: string) => filter(path.join(root, rel), { isDirectory: () => false } as never);
}

function pngSize(file: string): { width: number; height: number } {
  const b = readFileSync(file);
  expect(b.subarray(1, 4).toString()).toBe('PNG');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describe('electron-builder.yml', () => {
  it('names the app and builds AppImage + deb, NSIS and dmg', () => {
    expect(config.appId).toBe('app.cleanplate.editor');
    expect(config.productName).toBe('Cleanplate');
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual([{ target: 'dmg', arch: ['arm64'] }]);
  });

  it('associates .cleanplate files with the app', () => {
    expect(config.fileAssociations).toContainEqual(expect.objectContaining({ ext: 'cleanplate', name: 'Cleanplate Project', role: 'Editor' }));
  });

  it('has the icons each platform needs', () => {
    expect(pngSize(path.join(root, 'build/icon.png'))).toEqual({ width: 512, height: 512 });
    expect(pngSize(path.join(root, config.mac.icon))).toEqual({ width: 512, height: 512 });
    expect(readFileSync(path.join(root, config.win.icon)).readUInt32LE(0)).toBe(0x00010000); // ICO header
    const linuxIcons = readdirSync(path.join(root, config.linux.icon));
    for (const size of [16, 32, 48, 64, 128, 256, 512]) {
      expect(linuxIcons).toContain(`${size}x${size}.png`);
      expect(pngSize(path.join(root, config.linux.icon, `${size}x${size}.png`))).toEqual({ width: size, height: size });
    }
  });

  it('ships ffmpeg and ffprobe per platform into resources/bin, where the locator looks', () => {
    const locator = readFileSync(path.join(root, 'main/media/locate.ts'), 'utf8');
    expect(locator).toContain("path.join(resources, 'bin', exe(tool))");
    for (const [key, platform] of Object.entries(platforms) as Array<[keyof typeof platforms, string]>) {
      const exe = key === 'win' ? '.exe' : '';
      expect(config[key].extraResources).toEqual([
        { from: 'node_modules/ffmpeg-static', to: 'bin', filter: [`ffmpeg${exe}`] },
        { from: 'node_modules/@derhuerst/ffprobe-static', to: 'bin', filter: [`ffprobe${exe}`] },
      ]);
      void platform;
    }
    // The packages install their binary under exactly the name the filter takes (unless FFMPEG_BIN /
    // FFPROBE_BIN pointed them at a binary of the machine's own, as CI does).
    const here = Object.entries(platforms).find(([, p]) => p === process.platform)?.[0] as keyof typeof platforms | undefined;
    if (here) {
      for (const [set, pkg, env] of [
        [config[here].extraResources[0]!, 'ffmpeg-static', 'FFMPEG_BIN'],
        [config[here].extraResources[1]!, '@derhuerst/ffprobe-static', 'FFPROBE_BIN'],
      ] as const) {
        const saved = process.env[env];
        delete process.env[env];
        const req = createRequire(__filename);
        delete req.cache[req.resolve(pkg)];
        const installed = req(pkg) as string;
        if (saved !== undefined) process.env[env] = saved;
        expect(installed).toBe(path.join(root, set.from, set.filter![0]!));
      }
    }
  });

  it('ships the generated sample project as a resource', () => {
    expect(config.extraResources).toContainEqual({ from: 'dist/sample', to: 'sample', filter: [SAMPLE_VIDEO, SAMPLE_PROJECT] });
  });

  it('keeps onnxruntime-node unpacked from the asar and out of the bundles', () => {
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toContain('**/node_modules/onnxruntime-node/**');
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(Object.keys(pkg.dependencies)).toContain('onnxruntime-node'); // build.mjs keeps dependencies external
  });

  it('packs the built app and package.json, never sources, tests, maps or model weights', () => {
    const include = appFilter('linux', 'x64');
    for (const rel of ['package.json', 'dist/main/main.cjs', 'dist/preload/preload.cjs', 'dist/engine/engine.cjs', 'dist/renderer/index.html', 'dist/renderer/assets/index-abc.js']) expect(include(rel), rel).toBe(true);
    for (const rel of [
      'main/app/main.ts',
      'test/unit/builder-config.test.ts',
      'dist/main/main.cjs.map',
      'dist/bench/bench.cjs',
      'dist/cli/cleanplate.cjs',
      'dist/sample/sample.mp4',
      'models/fixtures/raft.onnx',
      'dist/engine/models/raft.onnx',
      'dist/engine/raft.fp16.onnx',
      'electron-builder.yml',
    ])
      expect(include(rel), rel).toBe(false);
  });

  it.each([
    ['linux', 'x64', 'linux/x64', ['linux/arm64', 'darwin/arm64', 'win32/x64']],
    ['linux', 'arm64', 'linux/arm64', ['linux/x64', 'darwin/arm64', 'win32/arm64']],
    ['win', 'x64', 'win32/x64', ['win32/arm64', 'linux/x64', 'darwin/arm64']],
    ['mac', 'arm64', 'darwin/arm64', ['linux/arm64', 'win32/arm64']],
  ] as const)('keeps only %s %s onnxruntime binaries, without CUDA providers', (platform, arch, keep, prune) => {
    const include = moduleFilter(platform, arch);
    const bin = (dir: string, file: string) => `node_modules/onnxruntime-node/bin/napi-v6/${dir}/${file}`;
    expect(include(bin(keep, 'onnxruntime_binding.node'))).toBe(true);
    expect(include(bin(keep, platform === 'win' ? 'onnxruntime.dll' : platform === 'mac' ? 'libonnxruntime.1.30.0.dylib' : 'libonnxruntime.so.1'))).toBe(true);
    for (const dir of prune) expect(include(bin(dir, 'onnxruntime_binding.node')), dir).toBe(false);
    expect(include(bin(keep, 'libonnxruntime_providers_cuda.so'))).toBe(false);
    expect(include(bin(keep, 'libonnxruntime_providers_shared.so'))).toBe(true);
    expect(include('node_modules/ffmpeg-static/ffmpeg')).toBe(false);
    expect(include('node_modules/@derhuerst/ffprobe-static/ffprobe')).toBe(false);
    expect(include('node_modules/zod/index.cjs')).toBe(true);
  });

  it('flips the fuses that harden a packaged app', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });
});
