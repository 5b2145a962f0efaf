// The HR console's build: Preact through Vite's own JSX transform (no Babel
// plugin needed), served by the API under /console (api/scopes/console-app.ts).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/console/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    // ECharts is one lazily loaded chunk of its own, only for the reports page.
    chunkSizeWarningLimit: 1200,
  },
});
