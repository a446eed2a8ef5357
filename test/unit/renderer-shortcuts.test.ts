// The one action table (common/actions): no two actions claim a key, every key the editor promises is
// there, matching follows the platform's modifier, the registry refuses duplicates, every action has a
// handler, and Electron's native menu is built from the same labels, groups and accelerators.
import { describe, expect, it, vi } from 'vitest';
import {
  actionIds,
  actionSpecs,
  canonicalShortcut,
  checkActionTable,
  electronAccelerator,
  formatShortcut,
  matchesShortcut,
  menuActions,
  menus,
  parseShortcut,
} from '../../common/actions';
import type { KeyLike } from '../../common/actions';
import type { ActionId } from '../../common/actions';
import { actionHandlers, actionList, actions, ActionRegistry } from '../../renderer/actions';
import { subscribeHostEvents } from '../../renderer/editor/hostEvents';
import { MediaSession } from '../../renderer/media/session';
import { editorWithProject } from './renderer-fixtures';

// menu.ts imports Electron's Menu and app only to build the menu; the template itself is plain data.
vi.mock('electron', () => ({ Menu: {}, app: {} }));
const { menuTemplate } = await import('../../main/app/menu');

const key = (k: string, mods: Partial<KeyLike> = {}): KeyLike => ({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

describe('shortcut table', () => {
  it('has no two actions (or two shortcuts of one action) on the same key combination', () => {
    const owners = new Map<string, string[]>();
    for (const a of actionList) for (const s of a.shortcuts ?? []) owners.set(canonicalShortcut(s), [...(owners.get(canonicalShortcut(s)) ?? []), a.id]);
    const clashes = [...owners].filter(([, ids]) => ids.length > 1);
    expect(clashes).toEqual([]);
    expect(new Set(actionList.map((a) => a.id)).size).toBe(actionList.length);
  });

  it('the registry refuses a second action on a taken shortcut, or a second action of one name', () => {
    const noop = () => undefined;
    expect(
      () =>
        new ActionRegistry<string>([
          { id: 'a', label: 'A', group: 'edit', shortcuts: ['Mod+Z'], perform: noop },
          { id: 'b', label: 'B', group: 'edit', shortcuts: ['mod+z'], perform: noop },
        ]),
    ).toThrow(/Mod\+z is claimed by both "a" and "b"/);
    expect(() => checkActionTable([{ id: 'a' }, { id: 'a' }])).toThrow(/two actions are called "a"/);
    expect(() => checkActionTable(actionSpecs)).not.toThrow();
  });

  it('maps every action of the shared table to a handler, and nothing else', () => {
    expect(Object.keys(actionHandlers).sort()).toEqual([...actionIds].sort());
    expect(actionList.map((a) => a.id)).toEqual(actionIds);
    expect(actionList.every((a) => typeof a.perform === 'function')).toBe(true);
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

  it('writes shortcuts as Electron accelerators', () => {
    expect(electronAccelerator('Mod+Shift+O')).toBe('CmdOrCtrl+Shift+O');
    expect(electronAccelerator('Mod+Enter')).toBe('CmdOrCtrl+Return');
    expect(electronAccelerator('Alt+ArrowRight')).toBe('Alt+Right');
    expect(electronAccelerator('Space')).toBe('Space');
    expect(electronAccelerator('+')).toBe('Plus');
    expect(electronAccelerator('\\')).toBe('\\');
    expect(electronAccelerator('F1')).toBe('F1');
  });
});

describe('native menu', () => {
  type Item = { id?: string; label?: string; accelerator?: string; registerAccelerator?: boolean; submenu?: Item[]; click?: () => void; role?: string; type?: string };

  it('is built from the action table: every menu action once, with its label and first shortcut', () => {
    const sent: string[] = [];
    const template = menuTemplate((c) => void sent.push(c), [], 'linux', true) as Item[];
    expect(template.map((m) => m.label)).toEqual(menus.map((m) => m.label));
    const items = template.flatMap((m) => m.submenu ?? []).filter((i) => i.id);
    const expected = menus.flatMap((m) => m.groups.flatMap((g) => menuActions(g)));
    expect(items.map((i) => i.id)).toEqual(expected.map((a) => a.id));
    for (const [i, a] of expected.entries()) {
      expect(items[i]!.label).toBe(a.label);
      expect(items[i]!.accelerator).toBe(a.shortcuts?.[0] ? electronAccelerator(a.shortcuts[0]) : undefined);
      // Shown only: the renderer's keyboard handling owns the keys, so no key runs a command twice.
      expect(items[i]!.registerAccelerator).toBe(false);
    }
    expect(items.some((i) => i.id === 'confirm' || i.id === 'cancel')).toBe(false);
    items.find((i) => i.id === 'save')!.click!();
    items.find((i) => i.id === 'export-video')!.click!();
    expect(sent).toEqual(['save', 'export-video']);
  });

  it('opens recent projects by path and keeps the clipboard roles for text fields', () => {
    const sent: [string, string | undefined][] = [];
    const template = menuTemplate((c, p) => void sent.push([c, p]), [{ path: '/p/a.cleanplate', name: 'a.cleanplate', openedAt: '' }], 'linux', true) as Item[];
    const file = template.find((m) => m.label === 'File')!.submenu!;
    const recent = file.find((i) => i.label === 'Open Recent')!.submenu!;
    recent[0]!.click!();
    expect(sent).toEqual([['openPath', '/p/a.cleanplate']]);
    expect(
      template
        .find((m) => m.label === 'Edit')!
        .submenu!.map((i) => i.role)
        .filter(Boolean),
    ).toEqual(['cut', 'copy', 'paste', 'selectAll']);
  });

  it('a click on a native menu item runs that action in the editor, through app.command; anything else is ignored', () => {
    // The host's side (main/app/main.ts): a menu click becomes an app.command event to the page.
    const listeners = new Map<string, (payload: never) => void>();
    const host = {
      onEvent: (name: string, listener: (payload: never) => void) => {
        listeners.set(name, listener);
        return () => void listeners.delete(name);
      },
    };
    const emit = (payload: unknown) => listeners.get('app.command')!(payload as never);
    const { store, ops } = editorWithProject();
    const ran: ActionId[] = [];
    const opened: string[] = [];
    const off = subscribeHostEvents({
      host: host as never,
      store,
      ops,
      media: new MediaSession({ frameRef: async () => '', mediaUrl: (ref) => ref }),
      schedule: (cb) => cb(),
      openPath: (p) => void opened.push(p),
      refreshModels: () => {},
      run: (id) => void ran.push(id),
    });
    const template = menuTemplate(
      (command, path) => emit(path ? { command, path } : { command }),
      [{ path: '/p/a.cleanplate', name: 'a.cleanplate', openedAt: '' }],
      'linux',
      true,
    ) as Item[];
    const items = template.flatMap((m) => m.submenu ?? []);
    for (const i of items) if (i.id) i.click!();
    expect(ran).toEqual(menus.flatMap((m) => m.groups.flatMap((g) => menuActions(g))).map((a) => a.id));
    items.find((i) => i.label === 'Open Recent')!.submenu![0]!.click!();
    expect(opened).toEqual(['/p/a.cleanplate']);
    // A command that is no action of the table (an old or hostile host) does nothing.
    ran.length = 0;
    emit({ command: 'format-disk' });
    emit({ command: 'openPath' });
    expect(ran).toEqual([]);
    expect(opened).toEqual(['/p/a.cleanplate']);
    off();
    expect(listeners.size).toBe(0);
  });
});
