/** The app shell: menus and toolbar, viewer, layer and job panels, timeline, status bar, dialogs. */
import { useEffect, useState } from 'react';
import type { DragEvent } from 'react';
import { useStore } from 'zustand';
import { Viewer } from './canvas/Viewer';
import { useEditor, useEditorState } from './editor/context';
import { ConnectionBanner } from './panels/ConnectionBanner';
import { DialogHost, HelpOverlay, RecoveryDialog, Toasts } from './panels/Dialogs';
import { JobPanel, RunBar } from './panels/JobPanel';
import { LayerPanel } from './panels/LayerPanel';
import { MenuBar } from './panels/MenuBar';
import { StatusBar } from './panels/StatusBar';
import { Toolbar } from './panels/Toolbar';
import { Timeline } from './timeline/Timeline';

export function App() {
  const editor = useEditor();
  const appInfo = useEditorState((s) => s.appInfo);
  const booting = useEditorState((s) => s.booting);
  const dialog = useStore(editor.dialogs.store, (s) => s.current);
  const [dropping, setDropping] = useState(false);

  useEffect(() => editor.start(), [editor]);

  const isFileDrag = (e: DragEvent) => Array.from(e.dataTransfer.types).includes('Files');
  const onDrop = (e: DragEvent) => {
    if (!isFileDrag(e)) return;
    e.preventDefault();
    setDropping(false);
    const file = e.dataTransfer.files[0];
    if (file) void editor.commands.openDroppedFile(file);
  };

  return (
    <div
      className={`app${dropping ? ' dropping' : ''}`}
      data-testid="app-root"
      data-host={appInfo?.host ?? ''}
      data-ready={!booting}
      data-dialog={dialog?.kind ?? ''}
      onDragOver={(e) => {
        if (!isFileDrag(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        if (!dropping) setDropping(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target || !e.currentTarget.contains(e.relatedTarget as Node)) setDropping(false);
      }}
      onDrop={onDrop}
      // Buttons never take keyboard focus from a click (Space must play, not press the last button),
      // and a chosen option gives the keys back to the editor (arrows step frames, not options).
      onMouseDownCapture={(e) => {
        if ((e.target as HTMLElement).closest('button')) e.preventDefault();
      }}
      onChangeCapture={(e) => {
        const el = e.target as HTMLElement;
        if (el.tagName === 'SELECT' || (el as HTMLInputElement).type === 'checkbox' || (el as HTMLInputElement).type === 'range') setTimeout(() => el.blur());
      }}
      style={appInfo?.host === 'electron' ? { gridTemplateRows: '0 auto 1fr auto auto' } : undefined}
    >
      {appInfo?.host !== 'electron' ? <MenuBar /> : <div />}
      <Toolbar />
      <Viewer />
      <aside className="side" data-testid="side-panel">
        <div className="side-scroll" data-testid="side-scroll">
          <LayerPanel />
          <JobPanel />
        </div>
        <RunBar />
      </aside>
      <Timeline />
      <StatusBar />
      <DialogHost />
      <RecoveryDialog />
      <HelpOverlay />
      <Toasts />
      <ConnectionBanner />
      {dropping && <div className="drop-overlay">Drop a video to open it</div>}
    </div>
  );
}
