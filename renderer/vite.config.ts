import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    // No inline scripts or styles: the CSP is script-src 'self'; style-src 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    // Three pages: the citizen screen (index.html), the technician screen (tech.html) and web mode's simulator
    // panel (sim.html, served at /sim), so the citizen page carries neither the technician bundle nor the panel.
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL('./index.html', import.meta.url)),
        tech: fileURLToPath(new URL('./tech.html', import.meta.url)),
        sim: fileURLToPath(new URL('./sim.html', import.meta.url)),
      },
    },
  },
});
