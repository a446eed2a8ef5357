// The renderer's modules form no import cycles, and keep no editor state at module scope (the editor is
// one object reached through React context). (Who may import whom, DESIGN.md "Folders" and STYLE.md
// import rules, is checked by ESLint: eslint.config.mjs, proven by lint-rules.test.ts.)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
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
    expect(
      cycles(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
          ['d', ['a']],
        ]),
      ),
    ).toEqual(['a <-> b <-> c']);
  });
});

/**
 * What a renderer module keeps at module scope that is not a constant: `let`/`var` bindings, values
 * built by `new` or a call, and writes to a module-level or imported object (the old `viewerSize`
 * that the viewer wrote into, `spaceKey.down = …`). Each as "file: what".
 */
function moduleState(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: string[] = [];
  const moduleNames = new Set<string>();
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && st.importClause) {
      const c = st.importClause;
      if (c.name) moduleNames.add(c.name.text);
      if (c.namedBindings && ts.isNamedImports(c.namedBindings)) for (const e of c.namedBindings.elements) moduleNames.add(e.name.text);
      if (c.namedBindings && ts.isNamespaceImport(c.namedBindings)) moduleNames.add(c.namedBindings.name.text);
    }
    if (!ts.isVariableStatement(st)) continue;
    const isConst = (st.declarationList.flags & ts.NodeFlags.Const) !== 0;
    for (const d of st.declarationList.declarations) {
      const name = d.name.getText(sf);
      moduleNames.add(name);
      if (!isConst) found.push(`${name} (let)`);
      else if (d.initializer && (ts.isNewExpression(d.initializer) || ts.isCallExpression(d.initializer))) found.push(`${name} (built at load)`);
    }
  }
  /** The identifier an assignment target starts from: `a` in `a.b[c].d = …`. */
  const rootOf = (e: ts.Expression): ts.Identifier | null => {
    while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) || ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e)) e = e.expression;
    return ts.isIdentifier(e) ? e : null;
  };
  /** Names a function declares (parameters, locals) shadow module names inside it: a write to those is local. */
  const declaredIn = (fn: ts.Node): Set<string> => {
    const names = new Set<string>();
    const walk = (n: ts.Node) => {
      if ((ts.isVariableDeclaration(n) || ts.isParameter(n)) && ts.isIdentifier(n.name)) names.add(n.name.text);
      ts.forEachChild(n, walk);
    };
    ts.forEachChild(fn, walk);
    return names;
  };
  const visit = (n: ts.Node, shadowed: ReadonlySet<string>) => {
    if (ts.isFunctionLike(n)) shadowed = new Set([...shadowed, ...declaredIn(n)]);
    const written =
      ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment
        ? n.left
        : (ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)
          ? n.operand
          : null;
    if (written && (ts.isPropertyAccessExpression(written) || ts.isElementAccessExpression(written))) {
      const root = rootOf(written);
      if (root && moduleNames.has(root.text) && !shadowed.has(root.text)) found.push(`${written.getText(sf)} (written)`);
    }
    ts.forEachChild(n, (c) => visit(c, shadowed));
  };
  visit(sf, new Set());
  return found.map((f) => `${path.relative(root, file)}: ${f}`);
}

describe('renderer module state', () => {
  /** Module-level values that are not editor state, each with why it may stay. */
  const allowed = new Set([
    'renderer/main.tsx: editor (built at load)', // the composition root: the page's one editor, handed to React
    'renderer/editor/context.tsx: EditorContext (built at load)', // the React context the editor travels through
    'renderer/actions/index.ts: actionList (built at load)', // the shared action table joined with its handlers: constant
    'renderer/actions/index.ts: actions (built at load)', // the registry of that constant table: no state of its own
    'renderer/bridge/web-client.ts: REPLAYABLE (built at load)', // a constant set of call names
    'renderer/media/staleness.ts: cache (built at load)', // a memo keyed weakly by each editor's results object
    'renderer/state/history.ts: nextEntryId (let)', // ids unique in the page, whichever editor asks
    'renderer/state/store.ts: nextMessageId (let)', // the same, for toast messages
  ]);

  it('keeps no editor state at module scope: the editor is one object reached through React context', () => {
    const found = sourceFiles('renderer').flatMap((f) => moduleState(f, readFileSync(f, 'utf8')));
    expect(found.filter((f) => !allowed.has(f))).toEqual([]);
  });

  it('the module-state check finds a mutable singleton, a let and a write into an imported object', () => {
    const file = path.join(root, 'renderer/x.ts');
    const text = [
      "import { spaceKey } from './keyboard';",
      'export const viewerSize = { width: 0, height: 0 };',
      'export const media = createMediaSession();',
      'let playing = false;',
      'export function resize(w: number) { viewerSize.width = w; spaceKey.down = true; }',
      'export function local(viewerSize: { width: number }) { viewerSize.width = 1; const o = { n: 0 }; o.n++; }',
    ].join('\n');
    expect(moduleState(file, text)).toEqual([
      'renderer/x.ts: media (built at load)',
      'renderer/x.ts: playing (let)',
      'renderer/x.ts: viewerSize.width (written)',
      'renderer/x.ts: spaceKey.down (written)',
    ]);
  });
});
