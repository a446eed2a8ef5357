import { createRoot } from 'react-dom/client';
import { App } from './App';
import { connectHost } from './bridge';
import { Editor } from './editor/Editor';
import { EditorProvider } from './editor/context';
import './styles.css';

// One editor per page, connected to the host this page runs in.
const editor = new Editor(connectHost());

createRoot(document.getElementById('root')!).render(
  <EditorProvider editor={editor}>
    <App />
  </EditorProvider>,
);
