/**
 * The application menu, built from the editor's action table (common/actions): the same labels,
 * groups and shortcuts as the in-page menus and the shortcut overlay. Items send `app.command` with
 * the action's id; the renderer performs it through the same registry its toolbar and keys use.
 * Accelerators are shown but not registered: the renderer's keyboard handling owns the keys, so a key
 * press never runs a command twice.
 */
import path from 'node:path';
import { Menu, app } from 'electron';
import type { MenuItemConstructorOptions } from 'electron';
import { electronAccelerator, groupLabels, menuActions, menus } from '../../common/actions';
import type { ActionGroup } from '../../common/actions';
import type { AppCommand } from '../../common/contract/channels';
import type { RecentProject } from '../../common/contract/types';

export type SendCommand = (command: AppCommand, filePath?: string) => void;

/** The native menu's template (pure, so a unit test can read it without Electron). */
export function menuTemplate(send: SendCommand, recent: RecentProject[], platform: NodeJS.Platform, packaged: boolean): MenuItemConstructorOptions[] {
  const isMac = platform === 'darwin';
  const group = (g: ActionGroup, heading: boolean): MenuItemConstructorOptions[] => [
    ...(heading ? [{ label: groupLabels[g], enabled: false }] : []),
    ...menuActions(g).map(
      (a): MenuItemConstructorOptions => ({
        id: a.id,
        label: a.label,
        accelerator: a.shortcuts?.[0] ? electronAccelerator(a.shortcuts[0]) : undefined,
        registerAccelerator: false,
        click: () => send(a.id),
      }),
    ),
  ];
  const recentItems: MenuItemConstructorOptions[] = recent.length
    ? recent.map((r) => ({ label: `${r.name}  —  ${path.dirname(r.path)}`, click: () => send('openPath', r.path) }))
    : [{ label: 'No recent projects', enabled: false }];
  const extras: Record<string, MenuItemConstructorOptions[]> = {
    File: [{ type: 'separator' }, { label: 'Open Recent', submenu: recentItems }, ...(isMac ? [] : [{ type: 'separator' as const }, { role: 'quit' as const }])],
    // Text fields need the system's clipboard commands (on macOS they work only through the menu).
    Edit: [{ type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
    View: [{ type: 'separator' }, { role: 'togglefullscreen' }, ...(packaged ? [] : [{ role: 'reload' as const }, { role: 'toggleDevTools' as const }])],
  };
  return [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    ...menus.map((m) => ({
      label: m.label,
      submenu: [...m.groups.flatMap((g, i) => [...(i > 0 ? [{ type: 'separator' as const }] : []), ...group(g, m.groups.length > 1)]), ...(extras[m.label] ?? [])],
    })),
  ];
}

export function buildMenu(send: SendCommand, recent: RecentProject[]): Menu {
  return Menu.buildFromTemplate(menuTemplate(send, recent, process.platform, app.isPackaged));
}
