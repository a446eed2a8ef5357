/**
 * The keyboard, routed through the action registry. Typing in a field never triggers a shortcut.
 * Space is special: held and dragged in the viewer it pans; tapped, it plays/pauses (on release).
 */
import { actions } from '../actions';
import type { ActionContext } from '../actions';

export const spaceKey = { held: false, used: false };

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName !== 'INPUT') return false;
  const type = (el as HTMLInputElement).type;
  return !['checkbox', 'radio', 'range', 'button', 'color'].includes(type);
}

export function installKeyboard(ctx: ActionContext, blocked: () => boolean): () => void {
  const down = (e: KeyboardEvent) => {
    if (blocked()) return;
    if (isTyping(e.target)) {
      if (e.key === 'Escape') (e.target as HTMLElement).blur();
      return;
    }
    if (e.key === ' ' && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      if (!e.repeat) {
        spaceKey.held = true;
        spaceKey.used = false;
      }
      return;
    }
    const action = actions.forKey(e);
    if (!action) return;
    e.preventDefault();
    if (e.repeat && !action.repeats) return;
    actions.run(action.id, ctx);
  };
  const up = (e: KeyboardEvent) => {
    if (e.key !== ' ' || !spaceKey.held) return;
    spaceKey.held = false;
    if (!spaceKey.used && !blocked() && !isTyping(e.target)) actions.run('play-pause', ctx);
  };
  const blur = () => {
    spaceKey.held = false;
  };
  window.addEventListener('keydown', down);
  window.addEventListener('keyup', up);
  window.addEventListener('blur', blur);
  return () => {
    window.removeEventListener('keydown', down);
    window.removeEventListener('keyup', up);
    window.removeEventListener('blur', blur);
  };
}
