/**
 * Keyboard shortcuts as data: "Mod+Shift+Z", "Shift+ArrowLeft", "[", "?". `Mod` is Ctrl on Windows
 * and Linux, Cmd on macOS. Letters match case-insensitively; symbols that need Shift on a keyboard
 * ("?") match whatever the Shift state; bracket and digit keys fall back to the physical key so that
 * "Shift+[" works although the browser reports "{".
 */

export interface ParsedShortcut {
  mod: boolean;
  shift: boolean;
  alt: boolean;
  /** Lower-case key name as KeyboardEvent.key reports it ("z", "arrowleft", " ", "[", "?"). */
  key: string;
}

export interface KeyLike {
  key: string;
  code?: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

const NAMED: Record<string, string> = { space: ' ', esc: 'escape', del: 'delete', plus: '+' };
/** Symbols typed with Shift on common layouts: their shortcut ignores the Shift state. */
const SHIFTED_SYMBOLS = new Set(['?', '+', '{', '}', ':', '"', '<', '>', '|', '!', '*']);
const CODE_KEYS: Record<string, string> = {
  BracketLeft: '[',
  BracketRight: ']',
  Backslash: '\\',
  Slash: '/',
  Minus: '-',
  Equal: '=',
  Comma: ',',
  Period: '.',
  Digit0: '0',
  Digit1: '1',
  Digit2: '2',
  Digit3: '3',
};

export function parseShortcut(text: string): ParsedShortcut {
  // "+" as the key itself: "Mod++" or "+".
  const parts = text.endsWith('++') ? [...text.slice(0, -2).split('+'), '+'] : text === '+' ? ['+'] : text.split('+');
  const out: ParsedShortcut = { mod: false, shift: false, alt: false, key: '' };
  for (const raw of parts) {
    const p = raw.toLowerCase();
    if (p === 'mod') out.mod = true;
    else if (p === 'shift') out.shift = true;
    else if (p === 'alt') out.alt = true;
    else if (out.key) throw new Error(`shortcut "${text}" names two keys`);
    else out.key = NAMED[p] ?? p;
  }
  if (!out.key) throw new Error(`shortcut "${text}" names no key`);
  return out;
}

/** One spelling per key combination, for finding duplicates. */
export function canonicalShortcut(text: string): string {
  const s = parseShortcut(text);
  const shift = s.shift && !SHIFTED_SYMBOLS.has(s.key);
  return [s.mod && 'Mod', shift && 'Shift', s.alt && 'Alt', s.key].filter(Boolean).join('+');
}

export function matchesShortcut(text: string, e: KeyLike, isMac = false): boolean {
  const s = parseShortcut(text);
  const mod = isMac ? e.metaKey : e.ctrlKey;
  const otherMod = isMac ? e.ctrlKey : e.metaKey;
  if (mod !== s.mod || otherMod || e.altKey !== s.alt) return false;
  const key = e.key.toLowerCase();
  if (SHIFTED_SYMBOLS.has(s.key) && !s.shift) return key === s.key;
  if (e.shiftKey !== s.shift) return false;
  return key === s.key || (e.code !== undefined && CODE_KEYS[e.code] === s.key);
}

const LABELS: Record<string, string> = {
  ' ': 'Space',
  arrowleft: '←',
  arrowright: '→',
  arrowup: '↑',
  arrowdown: '↓',
  escape: 'Esc',
  delete: 'Del',
  backspace: 'Backspace',
  enter: 'Enter',
  home: 'Home',
  end: 'End',
};

/** How a shortcut is shown in tooltips and the help overlay. */
export function formatShortcut(text: string, isMac = false): string {
  const s = parseShortcut(text);
  const key = LABELS[s.key] ?? (s.key.length === 1 || /^f\d+$/.test(s.key) ? s.key.toUpperCase() : s.key);
  const parts = [s.mod && (isMac ? '⌘' : 'Ctrl'), s.shift && (isMac ? '⇧' : 'Shift'), s.alt && (isMac ? '⌥' : 'Alt'), key].filter(Boolean);
  return parts.join(isMac ? '' : '+');
}

const ELECTRON_KEYS: Record<string, string> = {
  ' ': 'Space',
  arrowleft: 'Left',
  arrowright: 'Right',
  arrowup: 'Up',
  arrowdown: 'Down',
  escape: 'Esc',
  enter: 'Return',
  delete: 'Delete',
  backspace: 'Backspace',
  home: 'Home',
  end: 'End',
  '+': 'Plus',
};

/** The same shortcut as an Electron menu accelerator ("Mod+Shift+O" -> "CmdOrCtrl+Shift+O"). */
export function electronAccelerator(text: string): string {
  const s = parseShortcut(text);
  const key = ELECTRON_KEYS[s.key] ?? (s.key.length === 1 || /^f\d+$/.test(s.key) ? s.key.toUpperCase() : s.key);
  return [s.mod && 'CmdOrCtrl', s.shift && 'Shift', s.alt && 'Alt', key].filter(Boolean).join('+');
}
