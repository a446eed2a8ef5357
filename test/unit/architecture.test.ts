// Checks who may import whom (DESIGN.md "Folders", STYLE.md import rules). A wrong import here
// would put Node into the sandboxed renderer or Electron into the pure, shared code.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
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

/** The renderer's own modules and what each imports (type-only imports too: they tie modules just as much). */
function rendererGraph(): Map<string, string[]> {
  const resolve = (file: string, spec: string): string | null => {
    const base = path.resolve(path.dirname(file), spec);
    for (const c of [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts'), path.join(base, 'index.tsx')]) if (existsSync(c) && statSync(c).isFile()) return c;
    return null;
  };
  const rendererDir = path.join(root, 'renderer') + path.sep;
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles('renderer')) {
    const deps = importsOf(file)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => resolve(file, spec))
      .filter((f): f is string => !!f && f.startsWith(rendererDir));
    graph.set(path.relative(root, file), [...new Set(deps.map((f) => path.relative(root, f)))]);
  }
  return graph;
}

/** Strongly connected groups of more than one node (Tarjan), each as a readable cycle. */
function cycles(graph: Map<string, string[]>): string[] {
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const found: string[] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) !== idx.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      on.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1 || graph.get(v)?.includes(v)) found.push(group.sort().join(' <-> '));
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}

describe('renderer layering', () => {
  it('has no import cycle between its modules', () => {
    expect(cycles(rendererGraph())).toEqual([]);
  });

  it('has no import cycle between its folders (panels/timeline/canvas -> editor -> actions -> tools -> edits -> state)', () => {
    const folderOf = (file: string) => {
      const parts = path.relative('renderer', file).split(path.sep);
      return parts.length > 1 ? parts[0]! : '(root)';
    };
    const folders = new Map<string, string[]>();
    for (const [file, deps] of rendererGraph()) {
      const from = folderOf(file);
      const to = deps.map(folderOf).filter((f) => f !== from);
      folders.set(from, [...new Set([...(folders.get(from) ?? []), ...to])]);
    }
    expect(cycles(folders)).toEqual([]);
  });

  it('the cycle check finds a cycle', () => {
    expect(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual(['a <-> b <-> c']);
  });
});
