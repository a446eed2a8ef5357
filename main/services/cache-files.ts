/**
 * Serving cache files to the renderer: the logic behind Electron's `cleanplate-media://cache/<ref>`
 * protocol and the web host's `/media/<ref>`, kept free of Electron and HTTP types so both hosts
 * (and tests) share it. Only regular files of known media types under the cache root are served;
 * traversal (`..`, encoded or not), absolute paths, and symlinks that leave the root are refused.
 * Byte ranges are answered here (206/416): forwarding to a file URL would ignore them and break
 * seeking in <video>.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

const contentTypes: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.m4a': 'audio/mp4',
  '.wav': 'audio/wav',
};

export type CacheAnswer =
  | { status: 200 | 206; file: string; start: number; end: number; headers: Record<string, string> }
  | { status: 400 | 403 | 404 | 405 | 416; headers: Record<string, string>; message: string };

/**
 * The real path of a regular file that `encodedPath` (a URL path, still percent-encoded, relative
 * to `root`) names inside `root`, or null when it names nothing servable there.
 */
export async function resolveUnder(root: string, encodedPath: string): Promise<string | null> {
  let rel: string;
  try {
    rel = decodeURIComponent(encodedPath);
  } catch {
    return null; // malformed escapes
  }
  if (!rel || rel.includes('\0') || rel.includes('\\') || rel.startsWith('/') || path.isAbsolute(rel) || /^[a-zA-Z]:/.test(rel)) return null;
  const segments = rel.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return null;

  const rootAbs = path.resolve(root);
  const candidate = path.resolve(rootAbs, ...segments);
  if (!candidate.startsWith(rootAbs + path.sep)) return null;
  try {
    // Symlinks inside the root must not lead out of it.
    const [realRoot, realFile] = await Promise.all([fs.realpath(rootAbs), fs.realpath(candidate)]);
    if (!realFile.startsWith(realRoot + path.sep)) return null;
    const st = await fs.stat(realFile);
    return st.isFile() ? realFile : null;
  } catch {
    return null;
  }
}

/** The file a cache ref names, or null when it may not be served (see resolveUnder; media types only). */
export async function resolveCacheRef(root: string, encodedRef: string): Promise<string | null> {
  const file = await resolveUnder(root, encodedRef);
  return file && contentTypes[path.extname(file).toLowerCase()] ? file : null;
}

/**
 * RFC 9110 single byte range. Null = serve the whole file (no header, a syntax we ignore, or several
 * ranges, which a server may answer in full); 'unsatisfiable' = 416.
 */
export function parseRange(header: string | null | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  const [, a, b] = m;
  if (a === '' && b === '') return null;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

const baseHeaders = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' };
/**
 * Cached images never change under their ref (frames and thumbnails live under a media id that hashes
 * the source's path, size and mtime; previews under a job id; imported masks under a content hash),
 * so the renderer may keep them: scrubbing back over frames costs no request at all.
 */
const immutable = 'private, max-age=31536000, immutable';

export async function answerCacheRequest(root: string, encodedRef: string, method: string, rangeHeader: string | null | undefined): Promise<CacheAnswer> {
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, headers: { ...baseHeaders, Allow: 'GET, HEAD' }, message: 'Method not allowed' };
  const file = await resolveCacheRef(root, encodedRef);
  if (!file) return { status: 404, headers: baseHeaders, message: 'Not found' };
  const size = (await fs.stat(file)).size;
  const type = contentTypes[path.extname(file).toLowerCase()]!;
  const headers = { ...baseHeaders, 'Content-Type': type, 'Accept-Ranges': 'bytes', ...(type.startsWith('image/') ? { 'Cache-Control': immutable } : {}) };
  const range = parseRange(rangeHeader, size);
  if (range === 'unsatisfiable') return { status: 416, headers: { ...headers, 'Content-Range': `bytes */${size}` }, message: 'Range not satisfiable' };
  if (!range) return { status: 200, file, start: 0, end: size - 1, headers: { ...headers, 'Content-Length': String(size) } };
  return {
    status: 206,
    file,
    start: range.start,
    end: range.end,
    headers: { ...headers, 'Content-Length': String(range.end - range.start + 1), 'Content-Range': `bytes ${range.start}-${range.end}/${size}` },
  };
}
