// The one shortcut table: no two actions claim a key, every key the editor promises is there,
// matching follows the platform's modifier, and the registry refuses duplicates.
import { describe, expect, it } from 'vitest';
import { actionList, actions, ActionRegistry } from '../../renderer/actions';
import { canonicalShortcut, formatShortcut, matchesShortcut, parseShortcut } from '../../renderer/actions/shortcuts';
import type { KeyLike } from '../../renderer/actions/shortcuts';

const key = (k: string, mods: Partial<KeyLike> = {}): KeyLike => ({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

describe('shortcut table', () => {
  it('has no two actions (or two shortcuts of one action) on the same key combination', () => {
    const owners = new Map<string, string[]>();
    for (const a of actionList) for (const s of a.shortcuts ?? []) owners.set(canonicalShortcut(s), [...(owners.get(canonicalShortcut(s)) ?? []), a.id]);
    const clashes = [...owners].filter(([, ids]) => ids.length > 1);
    expect(clashes).toEqual([]);
    expect(new Set(actionList.map((a) => a.id)).size).toBe(actionList.length);
  });

  it('the registry refuses a second action on a taken shortcut', () => {
    const noop = () => undefined;
    expect(
      () =>
        new ActionRegistry([
          { id: 'a', label: 'A', group: 'edit', shortcuts: ['Mod+Z'], perform: noop },
          { id: 'b', label: 'B', group: 'edit', shortcuts: ['mod+z'], perform: noop },
        ]),
    ).toThrow(/Mod\+z is claimed by both "a" and "b"/);
  });

  it.each([
    ['undo', key('z', { ctrlKey: true })],
    ['redo', key('Z', { ctrlKey: true, shiftKey: true })],
    ['play-pause', key(' ')],
    ['step-back', key('ArrowLeft')],
    ['step-forward', key('ArrowRight')],
    ['step-back-10', key('ArrowLeft', { shiftKey: true })],
    ['step-forward-10', key('ArrowRight', { shiftKey: true })],
    ['shuttle-back', key('j')],
    ['shuttle-stop', key('k')],
    ['shuttle-forward', key('l')],
    ['go-start', key('Home')],
    ['go-end', key('End')],
    ['set-in', key('i')],
    ['set-out', key('o')],
    ['brush-smaller', key('[', { code: 'BracketLeft' })],
    ['brush-larger', key(']', { code: 'BracketRight' })],
    ['brush-softer', key('{', { code: 'BracketLeft', shiftKey: true })],
    ['help', key('?', { shiftKey: true, code: 'Slash' })],
    ['tool-brush', key('b')],
    ['tool-eraser', key('e')],
    ['save', key('s', { ctrlKey: true })],
  ])('%s answers its key', (id, e) => {
    expect(actions.forKey(e, false)?.id).toBe(id);
  });

  it('uses Cmd on macOS and Ctrl elsewhere, never both', () => {
    expect(matchesShortcut('Mod+Z', key('z', { metaKey: true }), true)).toBe(true);
    expect(matchesShortcut('Mod+Z', key('z', { ctrlKey: true }), true)).toBe(false);
    expect(matchesShortcut('Mod+Z', key('z', { ctrlKey: true, metaKey: true }), false)).toBe(false);
    expect(actions.forKey(key('z'), false)).toBeNull();
  });

  it('does not confuse plain and shifted brackets', () => {
    expect(matchesShortcut('[', key('{', { code: 'BracketLeft', shiftKey: true }))).toBe(false);
    expect(matchesShortcut('Shift+[', key('[', { code: 'BracketLeft' }))).toBe(false);
  });

  it('formats shortcuts for tooltips and the help overlay', () => {
    expect(formatShortcut('Mod+Shift+Z', false)).toBe('Ctrl+Shift+Z');
    expect(formatShortcut('Mod+Shift+Z', true)).toBe('⌘⇧Z');
    expect(formatShortcut('Space')).toBe('Space');
    expect(actions.tooltip('undo', false)).toBe('Undo (Ctrl+Z)');
    expect(actions.tooltip('redo', false)).toBe('Redo (Ctrl+Shift+Z, Ctrl+Y)');
    expect(() => parseShortcut('Mod+A+B')).toThrow(/two keys/);
  });
});
