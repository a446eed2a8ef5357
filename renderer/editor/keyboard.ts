/**
 * The keyboard, routed through the action registry. Typing in a field never triggers a shortcut.
 * Space is special: held and dragged in the viewer it pans; tapped, it plays/pauses (on release).
 */
import type { ActionId, KeyLike } from '../../common/actions';

/** Whether Space is held, and whether a drag used it (then releasing it does not toggle playback). */
export interface SpaceKey {
  held: boolean;
  used: boolean;
}

export interface KeyboardDeps {
  space: SpaceKey;
  /** The action a key press asks for, and whether it repeats while the key is held. */
  forKey(e: KeyLike): { id: ActionId; repeats?: boolean } | null;
  run(id: ActionId): void;
  /** True while a modal owns the keys (dialogs, the shortcut overlay). */
  blocked(): boolean;
}

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName !== 'INPUT') return false;
  const type = (el as HTMLInputElement).type;
  return !['checkbox', 'radio', 'range', 'button', 'color'].includes(type);
}

export function installKeyboard(d: KeyboardDeps, target: Window = window): () => void {
  const down = (e: KeyboardEvent) => {
    if (d.blocked()) return;
    if (isTyping(e.target)) {
      if (e.key === 'Escape') (e.target as HTMLElement).blur();
      return;
    }
    if (e.key === ' ' && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      if (!e.repeat) {
        d.space.held = true;
        d.space.used = false;
      }
      return;
    }
    const action = d.forKey(e);
    if (!action) return;
    e.preventDefault();
    if (e.repeat && !action.repeats) return;
    d.run(action.id);
  };
  const up = (e: KeyboardEvent) => {
    if (e.key !== ' ' || !d.space.held) return;
    d.space.held = false;
    if (!d.space.used && !d.blocked() && !isTyping(e.target)) d.run('play-pause');
  };
  const blur = () => {
    d.space.held = false;
  };
  target.addEventListener('keydown', down);
  target.addEventListener('keyup', up);
  target.addEventListener('blur', blur);
  return () => {
    target.removeEventListener('keydown', down);
    target.removeEventListener('keyup', up);
    target.removeEventListener('blur', blur);
  };
}
