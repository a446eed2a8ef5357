/** Native file dialogs for the `dialog.*` calls, attached to the main window. */
import path from 'node:path';
import { dialog } from 'electron';
import type { BrowserWindow, FileFilter } from 'electron';
import type { ExportFormat } from '../../common/project/schema';
import type { NativeDialogs } from '../services/context';

const videos: FileFilter = { name: 'Videos', extensions: ['mp4', 'mov', 'm4v', 'mkv', 'webm', 'avi', 'mxf', 'mts', 'm2ts'] };
const projects: FileFilter = { name: 'Cleanplate projects', extensions: ['cleanplate'] };
const exportFilters: Record<ExportFormat, FileFilter[]> = {
  h264: [{ name: 'MP4 video (H.264)', extensions: ['mp4'] }],
  h265: [{ name: 'MP4 video (H.265)', extensions: ['mp4'] }],
  prores: [{ name: 'QuickTime (ProRes 422)', extensions: ['mov'] }],
  // A PNG sequence is written into a new folder of that name.
  png: [],
};

export function electronDialogs(window: () => BrowserWindow | null): NativeDialogs {
  const open = async (options: Electron.OpenDialogOptions) => {
    const win = window();
    const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    return r.canceled ? null : (r.filePaths[0] ?? null);
  };
  const save = async (options: Electron.SaveDialogOptions) => {
    const win = window();
    const r = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
    return r.canceled ? null : (r.filePath ?? null);
  };
  const safeName = (name: string) => path.basename(name).replace(/[<>:"/\\|?*]/g, '_');
  return {
    openVideo: () => open({ title: 'Open Video', properties: ['openFile'], filters: [videos, { name: 'All files', extensions: ['*'] }] }),
    openProject: () => open({ title: 'Open Project', properties: ['openFile'], filters: [projects] }),
    saveProject: (suggestedName) => save({ title: 'Save Project', defaultPath: safeName(suggestedName), filters: [projects] }),
    chooseFolder: (title) => open({ title, properties: ['openDirectory', 'createDirectory'] }),
    saveExport: (format, suggestedName) => save({ title: 'Export', defaultPath: safeName(suggestedName), filters: exportFilters[format] }),
    chooseMasks: () => open({ title: 'Import Masks', properties: ['openFile'], filters: [{ name: 'Masks (PNG or video)', extensions: ['png', ...videos.extensions] }] }),
  };
}
