// Checks who may import whom (DESIGN.md "Folders", STYLE.md import rules). A wrong import here
// would put Node into the sandboxed renderer or Electron into the pure, shared code.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

function sourceFiles(dir: string): string[] {
  const abs = path.join(root, dir);
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (name === 'node_modules' || name === 'convert') continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|tsx)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
    }
  };
  walk(abs);
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  const re = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) specs.push(m[1] ?? m[2] ?? m[3] ?? m[4]!);
  return specs;
}

/** Top-level folder a relative import lands in, or the package name of a bare import. */
function target(file: string, spec: string): { folder?: string; pkg?: string } {
  if (spec.startsWith('.')) {
    const resolved = path.relative(root, path.resolve(path.dirname(file), spec));
    return { folder: resolved.split(path.sep)[0] };
  }
  return { pkg: spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0] };
}

function violations(dir: string, rule: (t: { folder?: string; pkg?: string; spec: string }) => string | null) {
  const found: string[] = [];
  for (const file of sourceFiles(dir)) {
    for (const spec of importsOf(file)) {
      const problem = rule({ ...target(file, spec), spec });
      if (problem) found.push(`${path.relative(root, file)}: ${spec} (${problem})`);
    }
  }
  return found;
}

describe('import rules', () => {
  it('common imports nothing but common and small pure libraries', () => {
    expect(
      violations('common', ({ folder, pkg, spec }) => {
        if (folder && folder !== 'common') return 'common must not import other folders';
        if (pkg && nodeBuiltins.has(spec)) return 'no Node built-ins in common';
        if (pkg && !['zod'].includes(pkg)) return `package ${pkg} is not allowed in common`;
        return null;
      }),
    ).toEqual([]);
  });

  it('the renderer never imports main, preload, electron or Node', () => {
    expect(
      violations('renderer', ({ folder, pkg, spec }) => {
        if (folder && ['main', 'preload', 'test', 'models', 'scripts'].includes(folder)) return `renderer must not import ${folder}/`;
        if (pkg && (pkg === 'electron' || nodeBuiltins.has(spec))) return 'no Electron or Node in the renderer';
        return null;
      }),
    ).toEqual([]);
  });

  it('the preload imports only electron and common', () => {
    expect(
      violations('preload', ({ folder, pkg }) => {
        if (folder && folder !== 'common' && folder !== 'preload') return 'preload may import common only';
        if (pkg && pkg !== 'electron' && pkg !== 'zod') return `package ${pkg} is not allowed in the preload`;
        return null;
      }),
    ).toEqual([]);
  });

  it('main never imports the renderer, the preload or UI libraries', () => {
    expect(
      violations('main', ({ folder, pkg }) => {
        if (folder && ['renderer', 'preload', 'test'].includes(folder)) return `main must not import ${folder}/`;
        if (pkg && ['react', 'react-dom', 'konva', 'react-konva', 'zustand'].includes(pkg)) return 'no UI libraries in main';
        return null;
      }),
    ).toEqual([]);
  });

  it('only main/app and main/engine/process use Electron', () => {
    expect(
      violations('main', ({ pkg, spec }) => {
        void spec;
        return pkg === 'electron' ? 'electron' : null;
      }).filter((v) => !v.startsWith(path.join('main', 'app') + path.sep)),
    ).toEqual([]);
  });
});
