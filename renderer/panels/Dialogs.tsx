/** Modal dialogs (path prompt, confirm, model licence, About, crash recovery), the shortcut overlay and toasts. */
import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { useStore } from 'zustand';
import { formatShortcut, groupLabels } from '../../common/actions';
import type { ActionGroup } from '../../common/actions';
import type { RecoveryOffer } from '../../common/contract/types';
import { actionList, isMacPlatform } from '../actions';
import { useEditor, useEditorState } from '../editor/context';
import { AboutReport } from './AboutDialog';

function useDialog() {
  return useStore(useEditor().dialogs.store, (s) => s.current);
}

function Modal(props: { title: string; wide?: boolean; testId?: string; onCancel(): void; children: ReactNode; actions: ReactNode }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        props.onCancel();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [props.onCancel]);
  return (
    <div className="modal-backdrop" onPointerDown={(e) => e.target === e.currentTarget && props.onCancel()}>
      <div className={`modal${props.wide ? ' wide' : ''}`} role="dialog" aria-label={props.title} data-testid={props.testId}>
        <h2>{props.title}</h2>
        <div className="body">{props.children}</div>
        <div className="actions">{props.actions}</div>
      </div>
    </div>
  );
}

export function DialogHost() {
  const d = useDialog();
  const [text, setText] = useState('');
  useEffect(() => {
    if (d?.kind === 'path') setText(d.initial);
  }, [d]);
  if (!d) return null;
  if (d.kind === 'path') {
    const ok = () => text.trim() && d.resolve(text.trim());
    return (
      <Modal title={d.title} testId="path-dialog" onCancel={() => d.resolve(null)} actions={<><button onClick={() => d.resolve(null)}>Cancel</button><button className="primary" data-testid="path-dialog-ok" disabled={!text.trim()} onClick={ok}>{d.confirmLabel}</button></>}>
        <div>{d.message}</div>
        <input type="text" autoFocus data-testid="path-dialog-input" value={text} spellCheck={false} onChange={(e) => setText(e.currentTarget.value)} onKeyDown={(e) => e.key === 'Enter' && ok()} />
        {d.suggestions.length > 0 && (
          <div className="list">
            <div className="hint">Recent</div>
            {d.suggestions.map((s) => (
              <button key={s} onClick={() => d.resolve(s)}>
                {s}
              </button>
            ))}
          </div>
        )}
        <div className="hint">This browser session runs against the Cleanplate web host, which reads and writes files on its own computer; give a full path there.</div>
      </Modal>
    );
  }
  if (d.kind === 'confirm') {
    return (
      <Modal title={d.title} testId="confirm-dialog" onCancel={() => d.resolve(false)} actions={<><button onClick={() => d.resolve(false)}>Cancel</button><button className={d.danger ? 'primary danger' : 'primary'} data-testid="confirm-ok" onClick={() => d.resolve(true)}>{d.confirmLabel}</button></>}>
        <div>{d.message}</div>
      </Modal>
    );
  }
  if (d.kind === 'about') {
    return (
      <Modal title="About Cleanplate" wide testId="about-dialog" onCancel={() => d.resolve(true)} actions={<button className="primary" data-testid="about-close" onClick={() => d.resolve(true)}>Close</button>}>
        <AboutReport />
      </Modal>
    );
  }
  const lic = d.status.license;
  return (
    <Modal
      title="Download ProPainter models"
      wide
      testId="license-dialog"
      onCancel={() => d.resolve(false)}
      actions={
        <>
          <button onClick={() => d.resolve(false)}>Cancel</button>
          <button className="primary" data-testid="license-accept" onClick={() => d.resolve(true)}>
            Accept licence and download
          </button>
        </>
      }
    >
      <div>
        The ProPainter weights are licensed under <b>{lic.name}</b>, which allows <b>non-commercial use only</b>. Read the terms before downloading; by continuing you accept them.
      </div>
      <div className="licence-text">{lic.summary}</div>
      <div className="hint" style={{ userSelect: 'text' }}>Full text: {lic.url}</div>
      <div className="hint" data-testid="license-files">
        Downloads ProPainter&apos;s release weights ({d.status.weights.map((w) => `${w.file}${w.expectedBytes ? `, about ${Math.round(w.expectedBytes / 1024 / 1024)} MB` : ''}`).join('; ')}) from the upstream GitHub release into {d.status.dir}. A download resumes where it stopped; every file is checked tensor by tensor before use.
      </div>
    </Modal>
  );
}

function when(iso: string): string {
  return new Date(iso).toLocaleString();
}

/** Why there is something to recover, and how it relates to the saved project. */
function RecoveryMessage({ offer }: { offer: RecoveryOffer }) {
  const cause = offer.reason === 'reload' ? 'This page was reloaded before these edits were saved.' : 'Cleanplate did not close normally.';
  const holds = offer.projectPath
    ? offer.projectSavedAt
      ? `holds edits made after ${offer.projectPath} was last saved (${when(offer.projectSavedAt)}).`
      : `holds edits to ${offer.projectPath}, which is no longer there.`
    : 'holds edits to a project that was never saved.';
  return (
    <>
      {cause} The autosave of <b>{offer.name}</b> from {when(offer.autosavedAt)} {holds}
    </>
  );
}

/** Offered at start when a previous session, or this page before a reload, left edits that were not saved. */
export function RecoveryDialog() {
  const editor = useEditor();
  const offers = useEditorState((s) => s.recovery);
  const dialogOpen = useDialog();
  if (!offers.length || dialogOpen) return null;
  const offer = offers[0]!;
  const drop = (o: RecoveryOffer) => editor.ops.setHost({ recovery: offers.filter((x) => x.id !== o.id) });
  const recover = async () => {
    if (await editor.commands.recover(offer.id)) editor.ops.setHost({ recovery: [] });
    else drop(offer);
  };
  const discard = async () => {
    await editor.commands.discardRecovery(offer.id);
    drop(offer);
  };
  return (
    <Modal
      title="Recover unsaved work?"
      testId="recovery-dialog"
      onCancel={() => drop(offer)}
      actions={
        <>
          <button onClick={() => drop(offer)}>Later</button>
          <button className="danger" data-testid="recovery-discard" onClick={() => void discard()}>
            Discard
          </button>
          <button className="primary" data-testid="recovery-recover" onClick={() => void recover()}>
            Recover
          </button>
        </>
      }
    >
      <div data-testid="recovery-message">
        <RecoveryMessage offer={offer} />
      </div>
      {offers.length > 1 && <div className="hint">{offers.length - 1} more autosave(s) will be offered after this one.</div>}
    </Modal>
  );
}

/** Mouse gestures: what they do and how, one short line each (the overlay has two columns for them). */
const GESTURES: [string, string[]][] = [
  ['Zoom towards the cursor', ['Wheel']],
  ['Pan', ['Space+drag', 'Middle drag']],
  ['Insert a point (select tool)', ['Alt+click outline']],
  ['Insert a point (pen)', ['Click outline']],
  ['Break bezier handles apart', ['Alt+drag handle']],
  ['Timeline zoom', ['Ctrl+wheel']],
  ['Retime a key', ['Drag its marker']],
  ["Change a layer's frames", ["Drag its bar's ends"]],
];

const ARROWS = /([←→↑↓])/;

/** One key or gesture; arrow glyphs are drawn larger (they are tiny in a monospace font at 11 px). */
function Key({ text }: { text: string }) {
  const parts = text.split(ARROWS).filter(Boolean);
  return (
    <kbd>
      {parts.map((p, i) =>
        ARROWS.test(p) ? (
          <span className="glyph" key={i}>
            {p}
          </span>
        ) : (
          p
        ),
      )}
    </kbd>
  );
}

function Entry({ label, keys }: { label: string; keys: string[] }) {
  return (
    <div className="entry">
      <span className="what">{label}</span>
      <span className="keys">
        {keys.map((k) => (
          <Key key={k} text={k} />
        ))}
      </span>
    </div>
  );
}

export function HelpOverlay() {
  const editor = useEditor();
  const open = useEditorState((s) => s.session.helpOpen);
  if (!open) return null;
  const mac = isMacPlatform();
  const groups = [...new Set(actionList.map((a) => a.group))] as ActionGroup[];
  const close = () => editor.ops.setSession({ helpOpen: false });
  return (
    <Modal title="Keyboard shortcuts" wide testId="help-overlay" onCancel={close} actions={<button className="primary" onClick={close}>Close</button>}>
      <div className="help-grid">
        {groups.map((g) => (
          <div key={g}>
            <h3>{groupLabels[g]}</h3>
            {actionList
              .filter((a) => a.group === g && a.shortcuts?.length)
              .map((a) => (
                <Entry key={a.id} label={a.label} keys={a.shortcuts!.map((s) => formatShortcut(s, mac))} />
              ))}
          </div>
        ))}
      </div>
      <div className="help-mouse" data-testid="help-mouse">
        <h3>Mouse</h3>
        <div className="help-mouse-grid">
          {GESTURES.map(([what, how]) => (
            <Entry key={what} label={what} keys={how} />
          ))}
        </div>
      </div>
    </Modal>
  );
}

export function Toasts() {
  const { ops } = useEditor();
  const messages = useEditorState((s) => s.messages);
  useEffect(() => {
    const info = messages.filter((m) => m.kind === 'info');
    if (!info.length) return;
    const t = setTimeout(() => info.forEach((m) => ops.dismissMessage(m.id)), 4000);
    return () => clearTimeout(t);
  }, [messages, ops]);
  return (
    <div className="toasts">
      {messages.map((m) => (
        <div key={m.id} className={`toast ${m.kind}`} data-testid={m.kind === 'error' ? 'error-message' : 'info-message'}>
          <span>{m.text}</span>
          <button onClick={() => ops.dismissMessage(m.id)} title="Dismiss">
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}

