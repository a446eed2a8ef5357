/**
 * Who may talk to the web host. It listens on loopback only, but any web page the user visits can
 * still aim requests at 127.0.0.1: a foreign `Origin` (cross-site request forgery) and a `Host` that
 * is not loopback on our port (DNS rebinding: evil.example resolving to 127.0.0.1) are refused, and
 * so are requests a browser marks as coming from another site (`Sec-Fetch-Site`), which covers
 * <img>/<video> loads that carry no Origin at all.
 *
 * Those checks stop browsers, not other programs: any local process can send no Origin at all. So
 * everything that reaches the contract or the user's files (the WebSocket, media, uploads, metrics)
 * also needs the per-run secret the host prints in its URL, as notebook servers do. The page takes
 * it from its address (`?token=`) and sends it as `?token=` (WebSocket, media) or as the
 * `X-Cleanplate-Token` header (uploads).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export function allowedOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

/** Null when the request may proceed, else the reason it is refused. */
export function refuseReason(headers: IncomingHttpHeaders, port: number): string | null {
  const host = headers.host?.toLowerCase();
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return `Host "${host ?? ''}" is not this server`;
  const origin = headers.origin;
  if (origin !== undefined && !allowedOrigins(port).includes(origin.toLowerCase())) return `Origin "${origin}" is not allowed`;
  const site = headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return `a ${site} request is not allowed`;
  return null;
}

export const TOKEN_HEADER = 'x-cleanplate-token';

/** Whether `given` is the secret, compared in constant time (hashed first: equal lengths). */
export function tokenMatches(secret: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(secret), digest(given));
}
