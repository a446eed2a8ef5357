/**
 * OpenCV's WebAssembly build (@techstark/opencv-js), loaded once per process (~0.5 s).
 *
 * The package exports an Emscripten module object that is also a thenable. Resolving a promise with
 * it makes the promise call its `then` again and again (the event loop spins forever), so `then` is
 * deleted once the runtime is up, before the module is handed out.
 *
 * Loading also registers Emscripten's own process handlers: 'uncaughtException' rethrows (a crash)
 * and 'unhandledRejection' aborts the WASM runtime. They are removed again; the engine process has
 * its own handlers that report errors to the host.
 *
 * Every `cv.Mat` lives on the WASM heap and must be freed with `delete()`; `withMats` does that.
 */
import { UserError } from '../../common/errors';

export type OpenCv = typeof import('@techstark/opencv-js');
export type Mat = InstanceType<OpenCv['Mat']>;

let loading: Promise<OpenCv> | null = null;

export function loadOpenCv(): Promise<OpenCv> {
  loading ??= new Promise<OpenCv>((resolve, reject) => {
    let mod: OpenCv & { then?: unknown; onRuntimeInitialized?: () => void };
    type Listener = (...args: unknown[]) => void;
    const events = ['uncaughtException', 'unhandledRejection'];
    const listeners = (e: string) => process.listeners(e as 'exit') as Listener[];
    const before = events.map((e) => new Set(listeners(e)));
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      mod = require('@techstark/opencv-js');
    } catch (err) {
      reject(new UserError('not-found', `OpenCV (@techstark/opencv-js) could not be loaded (${(err as Error).message}); reinstall Cleanplate.`));
      return;
    } finally {
      events.forEach((e, i) => {
        for (const l of listeners(e)) if (!before[i]!.has(l)) process.off(e, l);
      });
    }
    const ready = () => {
      delete mod.then;
      resolve(mod);
    };
    if (typeof mod.Mat === 'function') ready();
    else mod.onRuntimeInitialized = ready;
  });
  return loading;
}

/** Runs `fn` with Mats it creates through `track`, and frees all of them afterwards, even on a throw. */
export function withMats<T>(fn: (track: <M extends { delete(): unknown }>(m: M) => M) => T): T {
  const mats: Array<{ delete(): unknown }> = [];
  try {
    return fn((m) => {
      mats.push(m);
      return m;
    });
  } finally {
    for (const m of mats) m.delete();
  }
}
