/**
 * The editor in React (tldraw's useEditor): <EditorProvider editor={…}> at the root, `useEditor()` for
 * the editor object, `useEditorState(selector)` for a slice of its store that re-renders on change.
 */
import { createContext, useContext } from 'react';
import type { ReactNode } from 'react';
import { useStore } from 'zustand';
import type { EditorState } from '../state/store';
import type { Editor } from './Editor';

const EditorContext = createContext<Editor | null>(null);

export function EditorProvider(props: { editor: Editor; children: ReactNode }) {
  return <EditorContext.Provider value={props.editor}>{props.children}</EditorContext.Provider>;
}

export function useEditor(): Editor {
  const editor = useContext(EditorContext);
  if (!editor) throw new Error('useEditor() needs an <EditorProvider> above it');
  return editor;
}

export function useEditorState<T>(selector: (s: EditorState) => T): T {
  return useStore(useEditor().store, selector);
}
