// Builds dist/parley.js: ONE self-contained ES module for a <script type="module"> tag.
// Lit, Yjs and y-protocols are bundled in; no chunks, no asset URLs. The per-module npm
// build (dist/esm, with .d.ts) is tsc's job: see tsconfig.build.json.
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { minifyTemplateLiterals } from 'rollup-plugin-minify-template-literals';

/**
 * Two lib0 modules replaced by what Yjs uses of them (see each file), however they are
 * imported: `lib0/logging` from Yjs, `./environment.js` from inside lib0.
 */
function lib0StandIns(): Plugin {
  const standIns: Record<string, string> = {
    logging: fileURLToPath(new URL('src/bundle/logging.js', import.meta.url)),
    environment: fileURLToPath(new URL('src/bundle/environment.js', import.meta.url)),
  };
  return {
    name: 'lib0-stand-ins',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!/(^lib0\/|^\.\/)(logging|environment)(\.js)?$/.test(source)) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      const name = resolved && /[\\/]lib0[\\/](logging|environment)\.js$/.exec(resolved.id)?.[1];
      return name ? standIns[name] : null;
    },
  };
}

export default defineConfig({
  // Lit's html`` and css`` templates are strings the JS minifier leaves alone: shrink them.
  plugins: [minifyTemplateLiterals(), lib0StandIns()],
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
