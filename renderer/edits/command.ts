/**
 * How the editor records a document edit: a recipe running one command of common/project/commands.ts
 * (which hold the keying rules and refuse bad edits with a UserError), applied as ONE undo step; a
 * refusal becomes a one-line message instead of an exception.
 */
import { isUserError } from '../../common/errors';
import { commands } from '../../common/project/commands';
import type { CommandArgs, CommandName } from '../../common/project/commands';
import type { ProjectDoc } from '../../common/project/schema';
import type { DocRecipe } from '../state/history';
import type { EditorOps } from '../state/store';

/** A recipe running one document command. */
export function command<K extends CommandName>(name: K, args: CommandArgs<K>): DocRecipe {
  return (d) => (commands[name] as (doc: ProjectDoc, a: CommandArgs<K>) => void)(d as ProjectDoc, args);
}

/** Records an edit; a command's refusal (UserError) becomes a message instead of an exception. */
export function apply(ops: EditorOps, label: string, recipe: DocRecipe, mergeKey?: string): boolean {
  try {
    ops.edit(label, recipe, mergeKey);
    return true;
  } catch (err) {
    if (!isUserError(err)) throw err;
    ops.message('error', err.message);
    return false;
  }
}
