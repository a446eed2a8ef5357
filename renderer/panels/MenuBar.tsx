/**
 * In-page menus for the web host (Electron has a native menu that sends app.command events). Built
 * from the action registry, so every entry shows the same label and shortcut as everywhere else.
 */
import { useEffect, useState } from 'react';
import type { ActionGroup } from '../actions';
import { actionList, actions, groupLabels } from '../actions';
import { formatShortcut, isMacPlatform } from '../actions/shortcuts';
import { actionContext } from '../app/editor';
import { openProjectAt } from '../app/host';
import { useEditor } from '../state/store';

const MENUS: { label: string; groups: ActionGroup[] }[] = [
  { label: 'File', groups: ['file'] },
  { label: 'Edit', groups: ['edit'] },
  { label: 'Tools', groups: ['tools'] },
  { label: 'Playback', groups: ['playback'] },
  { label: 'View', groups: ['view'] },
  { label: 'Mask', groups: ['mask', 'job'] },
  { label: 'Help', groups: ['help'] },
];

/** Entries that only make sense as keys (not as menu items). */
const KEY_ONLY = new Set(['confirm', 'cancel']);

export function MenuBar() {
  const [open, setOpen] = useState<string | null>(null);
  const recent = useEditor((s) => s.recent);
  useEditor((s) => s.history); // re-evaluate enabled states as the document changes
  useEffect(() => {
    if (!open) return;
    const close = () => setOpen(null);
    window.addEventListener('pointerdown', close);
    return () => window.removeEventListener('pointerdown', close);
  }, [open]);
  const mac = isMacPlatform();
  return (
    <div className="menubar" data-testid="menubar">
      <div className="brand">
        Clean<span>plate</span>
      </div>
      {MENUS.map((m) => (
        <div key={m.label} className={`menu${open === m.label ? ' open' : ''}`} onPointerDown={(e) => e.stopPropagation()}>
          <button onClick={() => setOpen(open === m.label ? null : m.label)} onMouseEnter={() => open && setOpen(m.label)}>
            {m.label}
          </button>
          {open === m.label && (
            <div className="menu-items">
              {m.groups.map((g, gi) => (
                <div key={g}>
                  {gi > 0 && <hr />}
                  {m.groups.length > 1 && <div className="heading">{groupLabels[g]}</div>}
                  {actionList
                    .filter((a) => a.group === g && !KEY_ONLY.has(a.id))
                    .map((a) => (
                      <button
                        key={a.id}
                        disabled={a.enabled ? !a.enabled(actionContext) : false}
                        onClick={() => {
                          setOpen(null);
                          actions.run(a.id, actionContext);
                        }}
                      >
                        <span>{a.label}</span>
                        <span className="kbd">{a.shortcuts?.[0] ? formatShortcut(a.shortcuts[0], mac) : ''}</span>
                      </button>
                    ))}
                </div>
              ))}
              {m.label === 'File' && recent.length > 0 && (
                <>
                  <hr />
                  <div className="heading">Recent projects</div>
                  {recent.map((r) => (
                    <button
                      key={r.path}
                      title={r.path}
                      onClick={() => {
                        setOpen(null);
                        void openProjectAt(r.path);
                      }}
                    >
                      <span>{r.name}</span>
                    </button>
                  ))}
                </>
              )}
            </div>
          )}
        </div>
      ))}
    </div>
  );
}
