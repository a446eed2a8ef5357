/**
 * The app's own URL schemes, and the checks on them that need no Electron (so they are unit-tested):
 *   cleanplate-app://app/<file>     the renderer, only files from dist/renderer
 *   cleanplate-media://cache/<ref>  cache files (frames, thumbnails, previews), only from the cache
 */
import { APP_SCHEME, MEDIA_SCHEME } from '../../common/contract/api';
import { answerCacheRequest, resolveUnder } from '../services/cache-files';
import type { CacheAnswer } from '../services/cache-files';
import { rendererFileType } from '../services/renderer-files';

export { APP_SCHEME, MEDIA_SCHEME };
export const APP_URL = `${APP_SCHEME}://app/index.html`;

/** Host and path of a URL of one of our schemes; null for anything else (WHATWG URL gives non-special schemes an opaque "null" origin, so compare parts). */
function partsOf(url: string, scheme: string, host: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${scheme}:` || u.host !== host || u.username || u.password || u.port) return null;
  return u.pathname.replace(/^\//, '');
}

/** Whether a frame's URL is the app's own page (IPC sender check). */
export function isAppPageUrl(url: string | undefined | null): boolean {
  return !!url && partsOf(url, APP_SCHEME, 'app') !== null;
}

/** The page's origin: the only one allowed to read media bytes (fetch of bitmap layers, canvas pixels). */
export const APP_ORIGIN = `${APP_SCHEME}://app`;

export async function answerMediaUrl(cacheDir: string, url: string, method: string, range: string | null): Promise<CacheAnswer> {
  const ref = partsOf(url, MEDIA_SCHEME, 'cache');
  if (ref === null) return { status: 404, headers: {}, message: 'Not found' };
  const a = await answerCacheRequest(cacheDir, ref, method, range);
  // The page and the media are different origins; without this header a fetch() of a cache file fails.
  return { ...a, headers: { ...a.headers, 'Access-Control-Allow-Origin': APP_ORIGIN, Vary: 'Origin' } };
}

export type AppFileAnswer = { status: 200; file: string; type: string } | { status: 404 | 405; message: string };

export async function answerAppUrl(rendererDir: string, url: string, method: string): Promise<AppFileAnswer> {
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, message: 'Method not allowed' };
  const rel = partsOf(url, APP_SCHEME, 'app');
  if (rel === null) return { status: 404, message: 'Not found' };
  const file = await resolveUnder(rendererDir, rel || 'index.html');
  const type = file ? rendererFileType(file) : null;
  return file && type ? { status: 200, file, type } : { status: 404, message: 'Not found' };
}
