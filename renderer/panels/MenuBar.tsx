/**
 * In-page menus for the web host (Electron has a native menu that sends app.command events). Built
 * from the action registry, so every entry shows the same label and shortcut as everywhere else.
 */
import { useEffect, useState } from 'react';
import { formatShortcut, groupLabels, menuActions, menus } from '../../common/actions';
import { isMacPlatform } from '../actions';
import { useEditor, useEditorState } from '../editor/context';

export function MenuBar() {
  const editor = useEditor();
  const [open, setOpen] = useState<string | null>(null);
  const recent = useEditorState((s) => s.recent);
  useEditorState((s) => s.history); // re-evaluate enabled states as the document changes
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
      {menus.map((m) => (
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
                  {menuActions(g).map((a) => (
                      <button
                        key={a.id}
                        disabled={!editor.isEnabled(a.id)}
                        onClick={() => {
                          setOpen(null);
                          editor.run(a.id);
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
                        void editor.commands.openProjectAt(r.path);
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
