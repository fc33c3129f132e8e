// Registers a custom element once. A page that loads parley.js twice (or alongside the npm
// build) must not throw "already been used with this registry".
export function define(tag: string, constructor: CustomElementConstructor): void {
  const existing = customElements.get(tag);
  if (existing) {
    if (existing !== constructor) console.warn(`[parley] <${tag}> is already defined by another script; keeping that one.`);
    return;
  }
  customElements.define(tag, constructor);
}
