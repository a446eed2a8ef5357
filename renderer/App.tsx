/** The app shell: menus and toolbar, viewer, layer and job panels, timeline, status bar, dialogs. */
import { useEffect, useState } from 'react';
import type { DragEvent } from 'react';
import { boot, startBackground } from './app/boot';
import { actionContext } from './app/editor';
import { subscribeHostEvents } from './app/events';
import { openVideoAt, showError } from './app/host';
import { installKeyboard } from './app/keyboard';
import { installTestHooks } from './app/testHooks';
import { useDialog } from './app/dialogs';
import { resolveDroppedFile } from './bridge';
import { Viewer } from './canvas/Viewer';
import { DialogHost, HelpOverlay, RecoveryDialog, Toasts } from './panels/Dialogs';
import { JobPanel } from './panels/JobPanel';
import { LayerPanel } from './panels/LayerPanel';
import { MenuBar } from './panels/MenuBar';
import { StatusBar } from './panels/StatusBar';
import { Toolbar } from './panels/Toolbar';
import { editorStore } from './state/store';
import { Timeline } from './timeline/Timeline';
import { useEditor } from './state/store';
import { closeDialog } from './app/dialogs';

let started = false;

export function App() {
  const appInfo = useEditor((s) => s.appInfo);
  const booting = useEditor((s) => s.booting);
  const dialog = useDialog();
  const [dropping, setDropping] = useState(false);

  useEffect(() => {
    // Once per page, even under StrictMode's double effects.
    if (started) return;
    started = true;
    installTestHooks();
    subscribeHostEvents(actionContext);
    installKeyboard(actionContext, () => editorStore.getState().session.helpOpen || !!document.querySelector('.modal-backdrop'));
    startBackground();
    void boot();
  }, []);

  useEffect(() => () => closeDialog(), []);

  const isFileDrag = (e: DragEvent) => Array.from(e.dataTransfer.types).includes('Files');
  const onDrop = async (e: DragEvent) => {
    if (!isFileDrag(e)) return;
    e.preventDefault();
    setDropping(false);
    const file = e.dataTransfer.files[0];
    if (!file) return;
    try {
      const path = await resolveDroppedFile(file);
      await openVideoAt(path);
    } catch (err) {
      showError(err);
    }
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
      onDrop={(e) => void onDrop(e)}
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
      <aside className="side">
        <LayerPanel />
        <JobPanel />
      </aside>
      <Timeline />
      <StatusBar />
      <DialogHost />
      <RecoveryDialog />
      <HelpOverlay />
      <Toasts />
      {dropping && <div className="drop-overlay">Drop a video to open it</div>}
    </div>
  );
}
