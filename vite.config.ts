// Builds the script-tag bundle: dist/parley.js, the one file a page names, and the chunks
// it imports on demand in dist/chunks/ (Lit, Yjs and y-protocols inside; chunks found
// relative to the importing file, no asset URLs, workers inlined). dist/.vite/manifest.json
// says which chunk holds which module, for `npm run bench:size`. The per-module npm build
// (dist/esm, with .d.ts) is tsc's job: see tsconfig.build.json.
import { rmSync } from 'node:fs';
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

/**
 * A library that repeats its license header in each of its modules (the modules at paths
 * `files` matches) gets it stripped there; a module of ours carries one notice for that
 * library instead: Lucide's in src/elements/shared/icons.ts (one header per icon), Lit's
 * in src/elements/shared/theme.ts (three in the base chunk).
 */
function oneNotice(name: string, files: RegExp, header: RegExp): Plugin {
  return {
    name: `one-${name}-notice`,
    transform(code, id) {
      if (!files.test(id)) return null;
      const stripped = code.replace(header, '');
      return stripped === code ? null : { code: stripped, map: null };
    },
  };
}

/** Chunk names are hashed, so each build starts from an empty chunk folder (not all of dist/: dist/esm is tsc's). */
function emptyChunkFolder(): Plugin {
  return {
    name: 'empty-chunk-folder',
    apply: 'build',
    buildStart() {
      rmSync(fileURLToPath(new URL('dist/chunks', import.meta.url)), { recursive: true, force: true });
    },
  };
}

/** Matches the modules at these paths (relative to the project, or to node_modules). */
function modules(...paths: string[]): (id: string) => boolean {
  return (id) => paths.some((path) => id.replaceAll('\\', '/').endsWith(`/${path}`));
}

export default defineConfig({
  // Lit's html`` and css`` templates are strings the JS minifier leaves alone: shrink them.
  plugins: [
    // Only ours: Lit ships minified. A template it cannot read (several bindings in one
    // attribute value, for one) leaves its whole file unminified, with a warning here.
    minifyTemplateLiterals({ include: 'src/**' }),
    lib0StandIns(),
    oneNotice('lucide', /[\\/]lucide[\\/]dist[\\/]esm[\\/]icons[\\/]/, /^\/\*\*[\s\S]*?@license lucide[\s\S]*?\*\/\s*/),
    oneNotice(
      'lit',
      /[\\/]node_modules[\\/](lit|lit-html|lit-element|@lit[\\/]reactive-element)[\\/]/,
      /\/\*\*\s*\*\s*@license\s*\*\s*Copyright \d{4} Google LLC\s*\*\s*SPDX-License-Identifier: BSD-3-Clause\s*\*\//g,
    ),
    emptyChunkFolder(),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: false,
    target: 'es2022',
    sourcemap: true,
    // Terser, two passes: about 0.6 KB less per page than the default minifier. pure_getters
    // lets it drop a property read whose value is unused even where the object might be
    // null (lib0's `(Number.isNaN, …)` leftovers, for one): no code here counts on such a
    // read to throw. About 120 bytes per page.
    minify: 'terser',
    terserOptions: { ecma: 2020, module: true, compress: { passes: 2, pure_getters: true } },
    manifest: true,
    assetsInlineLimit: Number.MAX_SAFE_INTEGER,
    lib: {
      entry: 'src/parley.ts',
      formats: ['es'],
      fileName: () => 'parley.js',
    },
    rollupOptions: {
      // Most of a build is Terser's two passes (above), chosen for bytes: no warning on every
      // build that plugins took most of its time.
      checks: { bundlerTimings: false },
      output: {
        // Six characters of hash (36 bits) tell one build's file from another's as well as
        // eight, and every import of a chunk names it: about 50 bytes less per page.
        chunkFileNames: 'chunks/[name]-[hash:6].js',
        // Left alone, the split makes a file of every set of modules the same elements
        // share (a dozen small ones for one form). Two groups, each module's imports
        // included, make the few files most pages load; the rest is split as usual.
        codeSplitting: {
          groups: [
            {
              // What every element loads: Lit, Yjs, the session, the message catalogue.
              name: 'base',
              priority: 2,
              test: modules('lit/index.js', 'src/core/session/registry.ts', 'src/elements/shared/session-controller.ts', 'src/elements/shared/theme.ts', 'src/elements/shared/emit.ts', 'src/elements/shared/messages.ts'),
            },
            {
              // What the call's elements and the call code share: the icons they draw and
              // their renderer, the text of an error, the quality monitor and its profiles,
              // the active speaker, raised hands and reactions. One file, which a page with
              // only a form never loads.
              name: 'call-ui',
              priority: 1,
              test: (id: string) =>
                /[\\/]lucide[\\/]dist[\\/]esm[\\/]icons[\\/]/.test(id) ||
                modules('src/elements/shared/icons.ts', 'src/elements/shared/error-text.ts', 'src/elements/shared/reactions.ts', 'src/core/call/reactions.ts', 'src/core/call/quality.ts', 'src/core/call/profiles.ts', 'src/core/call/speaker.ts', 'src/core/call/devices.ts', 'src/core/call/network-stats.ts')(id),
            },
            {
              // What <parley-form> and <parley-field> share: form binding, presence.
              name: 'collab',
              priority: 1,
              test: modules('src/elements/shared/collab-controller.ts', 'src/elements/shared/presence.styles.ts'),
            },
          ],
        },
        // Lib mode keeps whitespace for ES output by default; a script-tag bundle wants it all.
        minify: true,
        comments: { legal: true, annotation: false, jsdoc: false },
      },
    },
  },
});
