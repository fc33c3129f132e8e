// Lucide's per-icon modules (what the package's index re-exports), imported one by one so
// that neither the bundle nor the test server loads all of its icons.
declare module 'lucide/dist/esm/icons/*.mjs' {
  const node: Array<[tag: string, attributes: Record<string, string | number>]>;
  export default node;
}
