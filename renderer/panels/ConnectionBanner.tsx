/**
 * Shown while the host does not answer (the web host died or hangs): says so within two seconds of
 * it happening, what is paused meanwhile, and what waits to go through; gone once it is back.
 */
import { useEditorState } from '../editor/context';

export function ConnectionBanner() {
  const offline = useEditorState((s) => s.connection === 'offline');
  const pendingSaves = useEditorState((s) => s.pendingSaves);
  if (!offline) return null;
  return (
    <div className="connection-banner" role="alert" data-testid="connection-banner">
      <b>Lost the connection to the Cleanplate host.</b> Reconnecting… Running, exporting and opening files are paused until it is back
      {pendingSaves > 0 ? `; ${pendingSaves === 1 ? 'a save is' : `${pendingSaves} saves are`} waiting and will go through then.` : '; a save waits and goes through then.'}
    </div>
  );
}
