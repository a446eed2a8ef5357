// The media protocol's file resolution and byte ranges (shared by Electron's cleanplate-media://
// handler and the web host's /media/): only files inside the cache, and correct 206/416 answers.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { answerCacheRequest, parseRange, resolveCacheRef } from '../../main/services/cache-files';

const base = mkdtempSync(path.join(os.tmpdir(), 'cleanplate-protocol-'));
const cache = path.join(base, 'cache');
const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
mkdirSync(path.join(cache, 'frames', 'abc123'), { recursive: true });
writeFileSync(path.join(cache, 'frames', 'abc123', '000001.jpg'), bytes);
writeFileSync(path.join(cache, 'frames', 'abc123', 'notes.txt'), 'not media');
writeFileSync(path.join(base, 'secret.jpg'), 'outside the cache');
symlinkSync(path.join(base, 'secret.jpg'), path.join(cache, 'frames', 'escape.jpg'));
symlinkSync(base, path.join(cache, 'outside'));
symlinkSync(path.join(cache, 'frames', 'abc123', '000001.jpg'), path.join(cache, 'frames', 'inside.jpg'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('resolveCacheRef', () => {
  it('serves a file inside the cache', async () => {
    expect(await resolveCacheRef(cache, 'frames/abc123/000001.jpg')).toBe(path.join(cache, 'frames', 'abc123', '000001.jpg'));
    expect(await resolveCacheRef(cache, 'frames/inside.jpg')).toBe(path.join(cache, 'frames', 'abc123', '000001.jpg'));
  });

  it.each([
    ['plain traversal', '../secret.jpg'],
    ['traversal in the middle', 'frames/../../secret.jpg'],
    ['encoded dots', '%2e%2e/secret.jpg'],
    ['encoded slash', 'frames%2f..%2f..%2fsecret.jpg'],
    ['double-encoded', '%252e%252e/secret.jpg'],
    ['absolute path', `${encodeURIComponent(path.join(base, 'secret.jpg'))}`],
    ['leading slash', '/etc/passwd'],
    ['backslash', 'frames\\..\\..\\secret.jpg'],
    ['drive letter', 'C:/Windows/win.ini'],
    ['NUL byte', 'frames/abc123/000001.jpg%00.png'],
    ['malformed escape', 'frames/%E0%A4%A'],
    ['symlink leaving the cache', 'frames/escape.jpg'],
    ['symlinked folder leaving the cache', 'outside/secret.jpg'],
    ['a non-media file in the cache', 'frames/abc123/notes.txt'],
    ['a folder', 'frames/abc123'],
    ['a missing file', 'frames/abc123/000002.jpg'],
    ['empty', ''],
  ])('refuses %s', async (_name, ref) => {
    expect(await resolveCacheRef(cache, ref)).toBeNull();
  });
});

describe('parseRange', () => {
  it.each([
    [undefined, null],
    ['bytes=0-99', { start: 0, end: 99 }],
    ['bytes=900-', { start: 900, end: 999 }],
    ['bytes=-100', { start: 900, end: 999 }],
    ['bytes=-5000', { start: 0, end: 999 }],
    ['bytes=990-5000', { start: 990, end: 999 }],
    ['bytes=1000-', 'unsatisfiable'],
    ['bytes=500-400', 'unsatisfiable'],
    ['bytes=-0', 'unsatisfiable'],
    ['bytes=0-1,5-6', null],
    ['items=0-5', null],
  ])('%s', (header, expected) => {
    expect(parseRange(header, 1000)).toEqual(expected);
  });
});

describe('answerCacheRequest', () => {
  const file = path.join(cache, 'frames', 'abc123', '000001.jpg');

  it('answers a whole file with 200 and its type', async () => {
    const a = await answerCacheRequest(cache, 'frames/abc123/000001.jpg', 'GET', undefined);
    expect(a).toMatchObject({ status: 200, file, start: 0, end: 999, headers: { 'Content-Type': 'image/jpeg', 'Content-Length': '1000', 'Accept-Ranges': 'bytes', 'Cache-Control': 'private, max-age=31536000, immutable' } });
  });

  it('answers a range with 206 and exactly those bytes', async () => {
    const a = await answerCacheRequest(cache, 'frames/abc123/000001.jpg', 'GET', 'bytes=100-199');
    expect(a).toMatchObject({ status: 206, headers: { 'Content-Range': 'bytes 100-199/1000', 'Content-Length': '100' } });
    if (!('file' in a)) throw new Error('expected a file');
    expect(readFileSync(a.file).subarray(a.start, a.end + 1)).toEqual(bytes.subarray(100, 200));
  });

  it('answers an unsatisfiable range with 416 and the size', async () => {
    expect(await answerCacheRequest(cache, 'frames/abc123/000001.jpg', 'GET', 'bytes=5000-')).toMatchObject({ status: 416, headers: { 'Content-Range': 'bytes */1000' } });
  });

  it('answers 404 outside the cache and 405 for writes', async () => {
    expect((await answerCacheRequest(cache, '..%2fsecret.jpg', 'GET', undefined)).status).toBe(404);
    expect((await answerCacheRequest(cache, 'frames/abc123/000001.jpg', 'PUT', undefined)).status).toBe(405);
  });
});
