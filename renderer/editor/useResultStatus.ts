/** The result frames' status for the document as it is now (media/staleness.ts), for components. */
import { useRef } from 'react';
import { cachedResultStatus } from '../media/staleness';
import type { ResultStatus } from '../media/staleness';
import { useEditor, useEditorState } from './context';

export function useResultStatus(): ResultStatus | null {
  const { media } = useEditor();
  const doc = useEditorState((s) => s.history?.doc ?? null);
  useEditorState((s) => s.resultsVersion);
  // Mid-drag the document changes with every pointer move: the status waits for the gesture's end.
  const gesture = useEditorState((s) => !!s.history?.gesture);
  const last = useRef<ResultStatus | null>(null);
  if (!doc) return null;
  if (!gesture || !last.current) last.current = cachedResultStatus(doc, media.results);
  return last.current;
}
