// Builds dist/parley.js: ONE self-contained ES module for a <script type="module"> tag.
// Lit, Yjs and y-protocols are bundled in; no chunks, no asset URLs. The per-module npm
// build (dist/esm, with .d.ts) is tsc's job: see tsconfig.build.json.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { minifyTemplateLiterals } from 'rollup-plugin-minify-template-literals';

export default defineConfig({
  // Lit's html`` and css`` templates are strings the JS minifier leaves alone: shrink them.
  plugins: [minifyTemplateLiterals()],
  resolve: {
    // Yjs's lib0/logging, replaced by what Yjs uses of it (see the file).
    alias: { 'lib0/logging': fileURLToPath(new URL('src/bundle/logging.js', import.meta.url)) },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2022',
    sourcemap: true,
    minify: true,
    assetsInlineLimit: Number.MAX_SAFE_INTEGER,
    lib: {
      entry: 'src/parley.ts',
      formats: ['es'],
      fileName: () => 'parley.js',
    },
    rollupOptions: {
      // Lib mode keeps whitespace for ES output by default; a script-tag bundle wants it all.
      output: { codeSplitting: false, minify: true, comments: { legal: true, annotation: false, jsdoc: false } },
    },
  },
});
