/**
 * What both hosts need to serve the built renderer: the content types it may contain and its
 * Content-Security-Policy (sent as a header; the page also carries its own meta policy, and a
 * browser enforces both).
 */
import path from 'node:path';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** Null for files the renderer bundle has no business serving. */
export function rendererFileType(file: string): string | null {
  return types[path.extname(file).toLowerCase()] ?? null;
}

/** The page's policy; `media` and `connect` name what each host adds (its media scheme or WebSocket). */
export function rendererCsp(extra: { media: string[]; connect: string[] }): string {
  const media = extra.media.join(' ');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob: ${media}`.trim(),
    `media-src 'self' blob: ${media}`.trim(),
    `connect-src 'self' ${[...extra.connect, ...extra.media].join(' ')}`.trim(),
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
