import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/**
 * Where `npm run dev:web` (scripts/dev-web.mjs) forwards API, WebSocket, health and docs traffic:
 * the service on its default port, which that script starts when nothing answers there.
 */
const BACKEND = process.env.WEB_BACKEND_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  // Keep Vite's dependency cache with the root install rather than in web/node_modules.
  cacheDir: '../node_modules/.vite/web',
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
  },
  server: {
    proxy: {
      '/api': { target: BACKEND, changeOrigin: true },
      '/health': { target: BACKEND, changeOrigin: true },
      '/ws': { target: BACKEND, changeOrigin: true, ws: true },
      '/docs': { target: BACKEND, changeOrigin: true },
    },
  },
});
