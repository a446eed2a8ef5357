/** Small line icons (16 px, currentColor) for the toolbar. */
import type { ReactElement } from 'react';

const paths: Record<string, ReactElement> = {
  select: <path d="M4 2l8 6.5-3.6.6 2.1 4.3-1.6.8-2.1-4.3L4 12.5z" fill="currentColor" stroke="none" />,
  brush: (
    <>
      <path d="M13.5 2.5l-6 6" />
      <path d="M7.5 8.5c-1.5-.5-3 .3-3.3 1.8-.3 1.6-1 2.4-2.2 2.9 2.6.9 5.6.3 6.2-2.1.2-1-.1-2-.7-2.6z" fill="currentColor" />
    </>
  ),
  eraser: (
    <>
      <path d="M6 13.5h7.5" />
      <path d="M2.5 10l6.8-6.8a1.4 1.4 0 012 0l2.5 2.5a1.4 1.4 0 010 2L8.3 13.5H6z" />
      <path d="M5.2 7.3l4.5 4.5" />
    </>
  ),
  polygon: (
    <>
      <path d="M3 12.5l2-9 8 2.5-1.5 6.5z" />
      <rect x="1.8" y="11.3" width="2.4" height="2.4" fill="currentColor" />
      <rect x="3.8" y="2.3" width="2.4" height="2.4" fill="currentColor" />
      <rect x="11.8" y="4.8" width="2.4" height="2.4" fill="currentColor" />
      <rect x="10.3" y="11.3" width="2.4" height="2.4" fill="currentColor" />
    </>
  ),
  bezier: (
    <>
      <path d="M2.5 12.5C4 5 12 11 13.5 3.5" />
      <path d="M1.5 5.5h6" />
      <circle cx="1.8" cy="5.5" r="1.2" fill="currentColor" />
      <circle cx="7.5" cy="5.5" r="1.2" fill="currentColor" />
      <rect x="3.3" y="4.3" width="2.4" height="2.4" fill="currentColor" />
    </>
  ),
  hand: <path d="M5 8V3.5a1 1 0 012 0V7m0-4.5a1 1 0 012 0V7m0-3.5a1 1 0 012 0V8m0-2.5a1 1 0 012 0v4c0 2.8-1.8 4.5-4.3 4.5-1.9 0-3-.8-4-2.3L3 9.3a1 1 0 011.6-1.1L5 8.8" />,
  undo: (
    <>
      <path d="M5.5 4L2.5 7l3 3" />
      <path d="M2.5 7h7a4 4 0 010 8H7" />
    </>
  ),
  redo: (
    <>
      <path d="M10.5 4l3 3-3 3" />
      <path d="M13.5 7h-7a4 4 0 000 8H9" />
    </>
  ),
  eye: (
    <>
      <path d="M1.5 8s2.4-4.5 6.5-4.5S14.5 8 14.5 8 12.1 12.5 8 12.5 1.5 8 1.5 8z" />
      <circle cx="8" cy="8" r="2" fill="currentColor" />
    </>
  ),
  lock: (
    <>
      <rect x="3.5" y="7" width="9" height="6.5" rx="1" />
      <path d="M5.5 7V5a2.5 2.5 0 015 0v2" />
    </>
  ),
  first: (
    <>
      <path d="M3.5 3v10" />
      <path d="M13 3.5L6 8l7 4.5z" fill="currentColor" />
    </>
  ),
  last: (
    <>
      <path d="M12.5 3v10" />
      <path d="M3 3.5L10 8l-7 4.5z" fill="currentColor" />
    </>
  ),
  prev: <path d="M11.5 3.5L4.5 8l7 4.5z" fill="currentColor" />,
  next: <path d="M4.5 3.5L11.5 8l-7 4.5z" fill="currentColor" />,
  play: <path d="M4.5 2.5L13 8l-8.5 5.5z" fill="currentColor" />,
  pause: (
    <>
      <rect x="4" y="3" width="2.6" height="10" fill="currentColor" stroke="none" />
      <rect x="9.4" y="3" width="2.6" height="10" fill="currentColor" stroke="none" />
    </>
  ),
  split: (
    <>
      <rect x="1.5" y="3" width="13" height="10" rx="1" />
      <path d="M8 1.5v13" />
    </>
  ),
};

export function Icon({ name }: { name: keyof typeof paths | string }) {
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinecap="round" strokeLinejoin="round" aria-hidden style={{ display: 'block' }}>
      {paths[name] ?? null}
    </svg>
  );
}
