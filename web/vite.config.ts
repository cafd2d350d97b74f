import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The dashboard, built into web/dist and served by `parker serve` at /.
export default defineConfig({
  root: 'web',
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1000 },
});
