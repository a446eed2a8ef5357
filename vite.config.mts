import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The renderer is a static bundle loaded from the app's own scheme in Electron and from the
// web host over HTTP; relative asset URLs keep it independent of where it is served.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    sourcemap: true,
    target: 'chrome130',
    // One local bundle for a desktop app (React, Konva, zod): nothing is fetched over a network.
    chunkSizeWarningLimit: 1500,
  },
});
