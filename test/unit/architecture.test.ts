// The renderer's modules form no import cycles. (Who may import whom, DESIGN.md "Folders" and STYLE.md
// import rules, is checked by ESLint: eslint.config.mjs, proven by lint-rules.test.ts.)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

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
