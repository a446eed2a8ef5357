/**
 * At start, what killed processes left: temporaries of dead writers in the app's own folders, and
 * next to the recent projects (a save killed mid-write). Folders holding many files (the frame
 * cache) are swept in the background so start-up does not wait for them.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { removeStaleTemporaries } from '../media/index';
import type { Log } from './log';
import type { UserDataPaths } from './paths';

const PROJECT_TEMPORARY = /^\..+\.cleanplate\.\d+\.[0-9a-f]{8}\.tmp$/;

async function subfolders(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name));
  } catch {
    return [];
  }
}

/** Sweeps the small folders now and returns a promise for the sweep of the frame cache. */
export async function removeLeftovers(paths: UserDataPaths, projectFolders: string[], log: Log): Promise<{ background: Promise<number> }> {
  const small = [paths.root, paths.autosave, path.join(paths.root, 'sessions'), paths.cache, path.join(paths.cache, 'masks'), path.join(paths.cache, 'sample')];
  let removed = 0;
  for (const dir of small) removed += (await removeStaleTemporaries(dir)).length;
  for (const dir of new Set(projectFolders)) removed += (await removeStaleTemporaries(dir, (name) => PROJECT_TEMPORARY.test(name))).length;
  if (removed) log.info(`removed ${removed} temporary file(s) left by processes that did not finish`);
  const background = (async () => {
    let n = 0;
    for (const kind of ['frames', 'thumbs']) for (const dir of await subfolders(path.join(paths.cache, kind))) n += (await removeStaleTemporaries(dir)).length;
    if (n) log.info(`removed ${n} temporary cache file(s) left by processes that did not finish`);
    return n;
  })();
  return { background };
}
