// ESLint: the import rules of ../shared/docs/STYLE.md ("The shape of the code") and DESIGN.md
// ("Folders"), checked by a tool. Formatting is Prettier's job (.prettierrc.json), not ESLint's.
import { builtinModules } from 'node:module';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const see = 'See ../shared/docs/STYLE.md (import rules) and DESIGN.md (folders).';
const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const renderer = (...folders) => folders.map((f) => `./renderer/${f}`);
/** No blocking file system calls where the app's main process serves the renderer. */
const blockingFs = ['readFileSync', 'writeFileSync', 'appendFileSync', 'existsSync', 'statSync', 'lstatSync', 'readdirSync', 'accessSync', 'mkdirSync', 'openSync', 'closeSync', 'rmSync', 'unlinkSync', 'renameSync', 'copyFileSync', 'realpathSync'];

/** Files that run on the app's main process (or the web host) while it serves the renderer. */
const mainProcessFiles = ['main/services/**/*.ts', 'main/host/**/*.ts', 'main/app/**/*.ts', 'main/models/**/*.ts', 'main/media/frame-cache.ts', 'main/media/thumbnails.ts', 'main/media/export.ts'];

/** no-restricted-imports options for main/: `electron` / `blocking` say what is allowed. */
function mainImports({ electron, blocking }) {
  return {
    patterns: [{ group: ['react', 'react-dom', 'konva', 'react-konva', 'zustand'], message: `No UI libraries in main/. ${see}` }],
    paths: [
      ...(electron ? [] : [{ name: 'electron', message: `Only main/app uses Electron; everything else runs in plain Node too. ${see}` }]),
      ...(blocking ? [] : ['fs', 'node:fs'].map((name) => ({ name, importNames: blockingFs, message: 'This code runs on the main process: use node:fs/promises (a blocking call freezes IPC and input).' }))),
    ],
  };
}

export default [
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'bench-results/**', '.cache/**', 'build/**', 'models/convert/**'] },
  {
    files: ['**/*.{ts,tsx,mts,cts}'],
    languageOptions: { parser: tseslint.parser, parserOptions: { ecmaFeatures: { jsx: true } } },
    plugins: { 'import-x': importX, '@typescript-eslint': tseslint.plugin },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.mts', '.js', '.mjs', '.cjs', '.json', '.node'] })] },
    rules: {
      // require() only where a package must be optional or resolved at run time, each with a reason.
      '@typescript-eslint/no-require-imports': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            { target: './common', from: ['./main', './preload', './renderer', './models', './scripts', './test'], message: `common/ is pure code every process shares; it imports only common/ and small pure libraries. ${see}` },
            { target: './main', from: ['./renderer', './preload', './test'], message: `main/ runs in Node and Electron's main process; it never imports the renderer or the preload. ${see}` },
            { target: './preload', from: ['./main', './renderer', './models', './scripts'], message: `The preload is a thin gate: it imports common/contract only. ${see}` },
            { target: './renderer', from: ['./main', './preload', './models', './scripts', './test'], message: `The renderer is untrusted browser code: it imports common/ only. ${see}` },
            // Inside the renderer, dependencies point one way: panels/timeline/canvas -> actions -> tools -> shapes -> state -> common.
            { target: './renderer/state', from: renderer('shapes', 'tools', 'actions', 'panels', 'timeline', 'canvas', 'app'), message: `renderer/state is the bottom of the renderer: state -> common only. ${see}` },
            { target: './renderer/shapes', from: renderer('tools', 'actions', 'panels', 'timeline', 'canvas', 'app'), message: `renderer/shapes may import state and common only. ${see}` },
            { target: './renderer/tools', from: renderer('actions', 'panels', 'timeline', 'canvas'), message: `renderer/tools may import shapes, state and common. ${see}` },
            // main's own layers (DESIGN.md "Folders"): media and models are the bottom; engines never reach hosts or services.
            { target: './main/media', from: ['./main/services', './main/app', './main/host', './main/engine', './main/models', './main/cli'], message: `main/media imports common only. ${see}` },
            { target: './main/models', from: ['./main/services', './main/app', './main/host', './main/engine', './main/cli', './main/media'], message: `main/models imports common only. ${see}` },
            { target: './main/engine', from: ['./main/services', './main/app', './main/host', './main/cli'], message: `main/engine imports common, main/media and main/models. ${see}` },
            { target: './main/services', from: ['./main/app', './main/host', './main/cli'], message: `main/services is what both hosts call; it never imports a host. ${see}` },
            { target: './main/host', from: ['./main/app', './main/cli'], message: `main/host imports common and main/services. ${see}` },
            { target: './main/app', from: ['./main/host', './main/cli'], message: `main/app imports common and main/services. ${see}` },
          ],
        },
      ],
    },
  },
  {
    files: ['common/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: nodeBuiltins.map((name) => ({ name, message: `No Node built-ins in common/. ${see}` })), patterns: [{ group: ['electron', 'react', 'react-dom', 'konva', 'react-konva', 'zustand', 'immer', 'ws', 'onnxruntime-node', 'fluent-ffmpeg'], message: `common/ may use small pure libraries (zod) only. ${see}` }] }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', { paths: [...nodeBuiltins, 'electron'].map((name) => ({ name, message: `No Node or Electron in the sandboxed renderer. ${see}` })) }],
    },
  },
  {
    files: ['preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: nodeBuiltins.map((name) => ({ name, message: `The sandboxed preload has no Node built-ins. ${see}` })) }],
    },
  },
  // main/: no UI libraries; Electron only in main/app; no blocking file calls where the app's main
  // process and the web host serve every scrub and click (later blocks replace earlier options).
  { files: ['main/**/*.ts'], rules: { 'no-restricted-imports': ['error', mainImports({ electron: false, blocking: true })] } },
  { files: ['main/app/**/*.ts'], rules: { 'no-restricted-imports': ['error', mainImports({ electron: true, blocking: false })] } },
  { files: mainProcessFiles, ignores: ['main/app/**'], rules: { 'no-restricted-imports': ['error', mainImports({ electron: false, blocking: false })] } },
];
