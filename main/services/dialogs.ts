/**
 * `dialog.*` calls: the host's native dialogs, or a clear refusal where there are none (the web host,
 * whose page then asks for a path itself because `app.info` says `nativeDialogs: false`).
 */
import { UserError } from '../../common/errors';
import type { NativeDialogs } from './context';
import type { Handlers } from './dispatcher';
import type { WriteAccess } from './write-access';

type DialogHandlers = Pick<Handlers, 'dialog.openVideo' | 'dialog.openProject' | 'dialog.saveProject' | 'dialog.chooseFolder' | 'dialog.saveExport' | 'dialog.chooseMasks'>;

/** Paths the save and folder dialogs return are recorded in `access` as places the renderer may write. */
export function dialogHandlers(dialogs: NativeDialogs | null, access: WriteAccess): DialogHandlers {
  const native = (): NativeDialogs => {
    if (!dialogs) throw new UserError('unsupported', 'This host has no native file dialogs; type the path into the dialog in the page instead.');
    return dialogs;
  };
  return {
    'dialog.openVideo': async () => ({ path: await native().openVideo() }),
    'dialog.openProject': async () => ({ path: await native().openProject() }),
    'dialog.saveProject': async ({ suggestedName }) => ({ path: access.grant(await native().saveProject(suggestedName)) }),
    'dialog.chooseFolder': async ({ title }) => ({ path: access.grant(await native().chooseFolder(title)) }),
    'dialog.saveExport': async ({ format, suggestedName }) => ({ path: access.grant(await native().saveExport(format, suggestedName)) }),
    'dialog.chooseMasks': async () => ({ path: await native().chooseMasks() }),
  };
}
