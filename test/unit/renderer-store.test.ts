// The editor store: undo/redo over immer patches (>= 200 steps), gestures as single steps, dirty
// tracking, and the separation of document and session state.
import { describe, expect, it } from 'vitest';
import { HISTORY_LIMIT } from '../../renderer/state/history';
import { defaultSession, preferencesOf, restorePreferences } from '../../renderer/state/session';
import { editorWithProject } from './renderer-fixtures';

const setup = editorWithProject;

describe('editor history', () => {
  it('undoes and redoes 250 edits back to the exact documents', () => {
    const { ops, doc } = setup(300);
    const snapshots = [ops.doc()];
    for (let i = 1; i <= 250; i++) {
      ops.edit(`out ${i}`, (d) => void (d.range.out = 299 - i));
      snapshots.push(ops.doc());
    }
    expect(ops.doc()!.range.out).toBe(49);
    for (let i = 250; i > 0; i--) {
      expect(ops.canUndo()).toBe(true);
      ops.undo();
      expect(ops.doc()).toEqual(snapshots[i - 1]);
    }
    expect(ops.canUndo()).toBe(false);
    expect(ops.doc()).toEqual(doc);
    for (let i = 1; i <= 250; i++) ops.redo();
    expect(ops.doc()).toEqual(snapshots[250]);
    expect(ops.canRedo()).toBe(false);
  });

  it(`keeps the last ${HISTORY_LIMIT} steps and drops older ones`, () => {
    const { store, ops } = setup(1000);
    for (let i = 1; i <= HISTORY_LIMIT + 20; i++) ops.edit('step', (d) => void (d.range.in = i));
    expect(store.getState().history!.past).toHaveLength(HISTORY_LIMIT);
    while (ops.canUndo()) ops.undo();
    expect(ops.doc()!.range.in).toBe(20);
  });

  it('records nothing for an edit that changes nothing, and a new edit clears redo', () => {
    const { store, ops } = setup();
    ops.edit('no-op', (d) => void (d.range.in = 0));
    expect(store.getState().history!.past).toHaveLength(0);
    ops.edit('in 5', (d) => void (d.range.in = 5));
    ops.undo();
    expect(ops.canRedo()).toBe(true);
    ops.edit('in 7', (d) => void (d.range.in = 7));
    expect(ops.canRedo()).toBe(false);
  });

  it('records a gesture as one step, whatever its number of updates', () => {
    const { store, ops } = setup();
    ops.beginGesture('drag');
    for (let i = 1; i <= 40; i++) ops.updateGesture((d) => void (d.range.in = i));
    expect(ops.doc()!.range.in).toBe(40); // the document shows the gesture while it runs
    expect(store.getState().history!.past).toHaveLength(0);
    ops.commitGesture();
    expect(store.getState().history!.past.map((e) => e.label)).toEqual(['drag']);
    ops.undo();
    expect(ops.doc()!.range.in).toBe(0);
  });

  it('refuses undo mid-gesture and restores the mark on cancel', () => {
    const { ops } = setup();
    ops.edit('first', (d) => void (d.range.in = 3));
    ops.beginGesture('drag');
    ops.updateGesture((d) => void (d.range.in = 9));
    ops.undo();
    expect(ops.doc()!.range.in).toBe(9);
    ops.cancelGesture();
    expect(ops.doc()!.range.in).toBe(3);
    expect(ops.canUndo()).toBe(true);
  });

  it('defers an edit arriving mid-gesture until the gesture ends', () => {
    const { store, ops } = setup();
    ops.beginGesture('drag');
    ops.updateGesture((d) => void (d.range.in = 4));
    ops.edit('from host', (d) => void (d.range.out = 50));
    expect(ops.doc()!.range.out).toBe(99);
    ops.commitGesture();
    expect(ops.doc()!.range).toEqual({ in: 4, out: 50 });
    expect(store.getState().history!.past.map((e) => e.label)).toEqual(['drag', 'from host']);
  });

  it('merges consecutive edits with the same merge key into one step', () => {
    const { store, ops } = setup();
    ops.edit('before', (d) => void (d.range.in = 1));
    for (let i = 0; i < 5; i++) ops.edit('propagate', (d) => void (d.range.out = 90 - i), 'job-1');
    expect(store.getState().history!.past).toHaveLength(2);
    ops.undo();
    expect(ops.doc()!.range).toEqual({ in: 1, out: 99 });
    ops.redo();
    expect(ops.doc()!.range.out).toBe(86);
  });

  it('tracks unsaved changes by history position, so undoing to the saved state is clean', () => {
    const { ops } = setup();
    expect(ops.isDirty()).toBe(false);
    ops.edit('a', (d) => void (d.range.in = 1));
    expect(ops.isDirty()).toBe(true);
    ops.markSaved('/p/x.cleanplate', ops.token());
    expect(ops.isDirty()).toBe(false);
    ops.edit('b', (d) => void (d.range.in = 2));
    expect(ops.isDirty()).toBe(true);
    ops.undo();
    expect(ops.isDirty()).toBe(false);
  });

  it('keeps session changes out of the document and its history', () => {
    const { store, ops } = setup();
    ops.edit('a', (d) => void (d.range.in = 1));
    ops.undo();
    const doc = ops.doc();
    ops.setSession({ tool: 'brush', overlayOpacity: 0.8, selection: { shapeId: 'x', vertex: 1 } });
    ops.setFrame(42);
    expect(ops.doc()).toBe(doc);
    expect(ops.canRedo()).toBe(true); // a selection-only change never clears redo
    expect(store.getState().session.frame).toBe(42);
    ops.setFrame(1e9);
    expect(store.getState().session.frame).toBe(99);
  });
});

describe('session persistence table', () => {
  it('round-trips preferences and ignores unknown or mistyped fields', () => {
    const prefs = preferencesOf({ ...defaultSession, brushRadius: 33, frame: 12 });
    expect(prefs).toMatchObject({ brushRadius: 33 });
    expect(prefs).not.toHaveProperty('frame');
    const restored = restorePreferences({ ...prefs, brushHardness: 'hard', bogus: 1 });
    expect(restored.brushRadius).toBe(33);
    expect(restored).not.toHaveProperty('brushHardness');
    expect(restored).not.toHaveProperty('bogus');
  });
});
