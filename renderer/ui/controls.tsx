/** Small controls shared by the panels: registry-driven buttons and a number field that commits once. */
import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import type { ActionId } from '../../common/actions';
import { useEditor, useEditorState } from '../editor/context';

/** A button for a registered action: label, tooltip with its shortcut, enabled state, test id. */
export function ActionButton(props: { id: ActionId; testId?: string; className?: string; pressed?: boolean; disabled?: boolean; children?: ReactNode }) {
  const editor = useEditor();
  const enabled = useEditorState(() => editor.isEnabled(props.id));
  return (
    <button
      className={props.className}
      data-testid={props.testId}
      title={editor.tooltip(props.id)}
      aria-pressed={props.pressed}
      disabled={!enabled || props.disabled}
      onClick={() => editor.run(props.id)}
    >
      {props.children ?? editor.actions.get(props.id).label}
    </button>
  );
}

/**
 * A number input that commits on Enter or blur (one edit, one undo step), and shows the stored value
 * whenever it is not being typed in. Escape restores the stored value.
 */
export function NumberField(props: {
  value: number;
  onCommit(v: number): void;
  min?: number;
  max?: number;
  step?: number;
  testId?: string;
  title?: string;
  width?: number;
  disabled?: boolean;
}) {
  const [text, setText] = useState(String(props.value));
  const [focused, setFocused] = useState(false);
  useEffect(() => {
    if (!focused) setText(String(props.value));
  }, [props.value, focused]);
  const commit = () => {
    const v = Number(text);
    if (text.trim() === '' || !Number.isFinite(v)) return setText(String(props.value));
    const clamped = Math.min(props.max ?? Infinity, Math.max(props.min ?? -Infinity, v));
    setText(String(clamped));
    if (clamped !== props.value) props.onCommit(clamped);
  };
  return (
    <input
      type="number"
      data-testid={props.testId}
      title={props.title}
      value={text}
      min={props.min}
      max={props.max}
      step={props.step ?? 1}
      disabled={props.disabled}
      style={props.width ? { width: props.width } : undefined}
      onFocus={() => setFocused(true)}
      onChange={(e) => setText(e.currentTarget.value)}
      onBlur={() => {
        setFocused(false);
        commit();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          commit();
          e.currentTarget.blur();
        } else if (e.key === 'Escape') {
          setText(String(props.value));
          e.currentTarget.blur();
        }
      }}
    />
  );
}
