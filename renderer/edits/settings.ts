/** Document settings: the in/out range, engine, outpainting and export settings. Each is ONE undo step. */
import type { CommandArgs } from '../../common/project/commands';
import type { EditorOps } from '../state/store';
import { apply, command } from './command';

/** I / O keys: sets one edge; setting past the other edge moves the other edge along. */
export function setRangeEdge(ops: EditorOps, edge: 'in' | 'out', frame: number): void {
  const doc = ops.doc();
  if (!doc) return;
  const r = doc.range;
  if (edge === 'in') apply(ops, 'Set in point', command('setRange', { in: frame, out: Math.max(frame, r.out) }));
  else apply(ops, 'Set out point', command('setRange', { in: Math.min(frame, r.in), out: frame }));
}

export function updateEngine(ops: EditorOps, label: string, change: CommandArgs<'updateEngine'>): void {
  apply(ops, label, command('updateEngine', change));
}

export function updateOutpaint(ops: EditorOps, label: string, change: CommandArgs<'updateOutpaint'>): void {
  apply(ops, label, command('updateOutpaint', change));
}

export function updateExport(ops: EditorOps, label: string, change: CommandArgs<'updateExport'>): void {
  apply(ops, label, command('updateExport', change));
}
