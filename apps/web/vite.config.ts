import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The Billrail server serves dist/ at / and answers client-side routes with index.html. In
// development `vite` serves the app and forwards the API, so the browser still sees one origin and
// the session cookie and CSRF header behave exactly as in production.
export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: { '/v1': 'http://localhost:3000' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            // What every page needs and what changes least: one chunk, cached across releases of
            // the app's own code. Mantine stays split per component so each page loads only its own.
            {
              name: 'framework',
              test: /node_modules[\\/](react|react-dom|scheduler|react-router|@tanstack|i18next|react-i18next|use-sync-external-store)[\\/]/,
            },
          ],
        },
      },
    },
  },
});
