// Script-tag entry (dist/parley.js): a small loader. It watches the document for Parley's
// tags and, the first time one shows up, imports that element's code from the files built
// beside this one (relative to this module's URL, so a copied dist/ folder or a CDN path
// works as is), then registers it. A page with only a form never loads the call's code.
//
// Elements found together are registered together, in dependency order: a <parley-room>
// is configured before the fields that share its session (the session starts on the next
// task; see core/session/registry.ts). npm users import src/index.ts instead, which registers
// every element at once.
import { define } from './elements/shared/define.js';
import type { Catalog } from './elements/shared/messages.js';

export type { Catalog };

/** Each tag's module, in dependency order: its element class is the HTMLElement it exports. */
const elements = {
  'parley-room': () => import('./elements/room/room.js'),
  'parley-video-grid': () => import('./elements/video-grid/video-grid.js'),
  'parley-controls': () => import('./elements/controls/controls.js'),
  'parley-field': () => import('./elements/field/field.js'),
  'parley-form': () => import('./elements/form/form.js'),
  'parley-chat': () => import('./elements/chat/chat.js'),
  'parley-people': () => import('./elements/people/people.js'),
  'parley-files': () => import('./elements/files/files.js'),
  'parley-recorder': () => import('./elements/recorder/recorder.js'),
} satisfies Record<string, () => Promise<object>>;

/** The element class a tag's module exports. */
const elementOf = (module: object) => Object.values(module).find((value) => value?.prototype instanceof HTMLElement) as CustomElementConstructor;

export type ParleyTag = keyof typeof elements;
const tags = Object.keys(elements) as ParleyTag[];

/** Registration of each tag asked for so far (a failed one is forgotten, to retry). */
const requested = new Map<ParleyTag, Promise<void>>();
/** The last batch's registration: a later batch waits for it, keeping the order. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Loads and registers the named elements now (every element when none is named), rather
 * than when one is first on the page. Use it before `document.createElement('parley-…')`
 * when you call the element's methods before it is in the document, or when the element
 * is rendered inside another component's shadow root (which this loader does not watch).
 */
export function load(...names: ParleyTag[]): Promise<void> {
  const wanted = names.length ? names : tags;
  const unknown = wanted.filter((name) => !(name in elements));
  if (unknown.length) return Promise.reject(new TypeError(`[parley] no such element: ${unknown.join(', ')}`));
  const fresh = tags.filter((tag) => wanted.includes(tag) && !requested.has(tag) && !customElements.get(tag));
  if (fresh.length) {
    const classes = Promise.all(fresh.map((tag) => elements[tag]().then(elementOf)));
    const registered = Promise.all([classes, queue]).then(([constructors]) => {
      fresh.forEach((tag, i) => define(tag, constructors[i]));
    });
    queue = registered.catch((error: unknown) => {
      fresh.forEach((tag) => requested.delete(tag));
      console.error(`[parley] could not load ${fresh.map((tag) => `<${tag}>`).join(', ')}`, error);
    });
    for (const tag of fresh) requested.set(tag, registered);
  }
  return Promise.all(wanted.map((tag) => requested.get(tag))).then(() => {});
}

/**
 * Loads the framework-free engine (Session, FileTransfers, Chat, …: what npm users import
 * from `parley-rtc/core`) and resolves with it. It is not among this file's exports so that a
 * page that only uses the elements does not load all of it.
 */
export function loadCore(): Promise<typeof import('./core/index.js')> {
  return import('./bundle/core.js');
}

/**
 * Adds messages for a language (`'fr'`, `'de-CH'`), or overrides some of a shipped one
 * (`'en'` and `'de'`): an object from the English text, as the elements show it, to the
 * text to show instead; `{name}` placeholders are filled in. Elements re-render with it.
 * It loads the elements' shared code first (resolving when the messages are in place).
 */
export function addMessages(lang: string, messages: Catalog): Promise<void> {
  return import('./elements/shared/messages.js').then((m) => m.addMessages(lang, messages));
}

/** Loads the Parley elements in `root` (itself included) not asked for yet. */
function scan(root: Element | Document): void {
  const missing = tags.filter((tag) => !requested.has(tag) && !customElements.get(tag));
  if (!missing.length) return;
  const found = new Set<ParleyTag>();
  if (root instanceof Element && missing.includes(root.localName as ParleyTag)) found.add(root.localName as ParleyTag);
  for (const element of root.querySelectorAll(missing.join(','))) found.add(element.localName as ParleyTag);
  if (found.size) void load(...found).catch(() => {}); // reported once, in load()
}

scan(document);
new MutationObserver((records) => {
  for (const record of records) {
    for (const node of record.addedNodes) if (node instanceof Element) scan(node);
  }
}).observe(document, { childList: true, subtree: true });
