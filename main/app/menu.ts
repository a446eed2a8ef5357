/**
 * The application menu. Items send `app.command` events; the renderer performs them through the same
 * actions its toolbar and shortcuts use. Accelerators are shown but not registered: the renderer's
 * shortcut table handles the keys, so a key press never runs a command twice.
 */
import path from 'node:path';
import { Menu, app } from 'electron';
import type { MenuItemConstructorOptions } from 'electron';
import type { AppCommand } from '../../common/contract/channels';
import type { RecentProject } from '../../common/contract/types';

export type SendCommand = (command: AppCommand, filePath?: string) => void;

export function buildMenu(send: SendCommand, recent: RecentProject[]): Menu {
  const item = (label: string, command: AppCommand, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    accelerator,
    registerAccelerator: false,
    click: () => send(command),
  });
  const recentItems: MenuItemConstructorOptions[] = recent.length
    ? recent.map((r) => ({ label: `${r.name}  —  ${path.dirname(r.path)}`, click: () => send('openPath', r.path) }))
    : [{ label: 'No recent projects', enabled: false }];
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        item('Open Video…', 'openVideo', 'CmdOrCtrl+Shift+O'),
        item('Open Project…', 'open', 'CmdOrCtrl+O'),
        { label: 'Open Recent', submenu: recentItems },
        { type: 'separator' },
        item('Save', 'save', 'CmdOrCtrl+S'),
        item('Save As…', 'saveAs', 'CmdOrCtrl+Shift+S'),
        { type: 'separator' },
        item('Export…', 'export', 'CmdOrCtrl+E'),
        item('Import Models Folder…', 'importModels'),
        ...(isMac ? [] : [{ type: 'separator' as const }, { role: 'quit' as const }]),
      ],
    },
    {
      label: 'Edit',
      submenu: [
        item('Undo', 'undo', 'CmdOrCtrl+Z'),
        item('Redo', 'redo', 'CmdOrCtrl+Shift+Z'),
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
      ],
    },
    {
      label: 'View',
      submenu: [{ role: 'togglefullscreen' }, ...(app.isPackaged ? [] : [{ role: 'reload' as const }, { role: 'toggleDevTools' as const }])],
    },
    { label: 'Help', submenu: [item('Keyboard Shortcuts', 'help', '?')] },
  ];
  return Menu.buildFromTemplate(template);
}
