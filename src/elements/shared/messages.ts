// The message catalogue: every string the elements show or give as an accessible name.
// The English text is the key (`t('Join call')`), so English needs no catalogue and each
// element carries only its own strings; other languages map that text to theirs, with
// `{name}` placeholders filled at render time. German ships (./messages.de.ts, loaded the
// first time an element is rendered under a German `lang`); `addMessages` lets a page add
// a language or override any string, English included. A missing string falls back to
// the language without its region (de-AT → de), then to English.
//
// The language is the nearest `lang` attribute: the element's own, then its ancestors'
// (across shadow roots), then <html>'s. Elements re-render when a `lang` in the document
// changes, and when a catalogue arrives.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { format, type MessageParams } from '../../core/errors.js';

/** English text → the text in one language. */
export type Catalog = Record<string, string>;

const catalogs: Record<string, Catalog> = Object.create(null);
/** The languages Parley ships beyond English, loaded on first use. */
const shipped: Record<string, () => Promise<{ default: Catalog }>> = { de: () => import('./messages.de.js') };
const hosts = new Set<ReactiveControllerHost>();
let observer: MutationObserver | undefined;

const rerender = () => hosts.forEach((host) => host.requestUpdate());

/**
 * Adds messages for a language (`'fr'`, `'de-CH'`), or overrides some of a shipped one
 * (`'en'` included): an object from the English text, as the elements use it, to the
 * text to show; `{name}` placeholders are filled in. Later calls add to earlier ones;
 * elements on the page re-render.
 */
export function addMessages(lang: string, messages: Catalog): void {
  if (typeof lang !== 'string' || !lang || typeof messages !== 'object' || !messages) {
    throw new TypeError('[parley] addMessages(lang, { text: translation })');
  }
  const key = lang.toLowerCase();
  catalogs[key] = { ...catalogs[key], ...messages };
  rerender();
}

/** The nearest `lang` of an element: its own, an ancestor's (across shadow roots), <html>'s. */
export function langOf(element: Element): string {
  for (let node: Node | null = element; node; node = node instanceof ShadowRoot ? node.host : node.parentNode) {
    if (node instanceof Element && node.hasAttribute('lang')) return node.getAttribute('lang')!.toLowerCase();
  }
  return '';
}

/** A host's translator: `t(text, params)` in the host's language, for each render. */
export class Localize implements ReactiveController {
  /** The languages to look in, most specific first (`de-at`, `de`, `en`). */
  #chain: string[] = ['en'];

  constructor(private readonly host: ReactiveControllerHost & Element) {
    host.addController(this);
  }

  hostConnected(): void {
    hosts.add(this.host);
    if (!observer) {
      observer = new MutationObserver(rerender);
      observer.observe(document, { attributes: true, attributeFilter: ['lang'], subtree: true });
    }
  }

  hostDisconnected(): void {
    hosts.delete(this.host);
  }

  hostUpdate(): void {
    const lang = langOf(this.host);
    const base = lang.split('-')[0]!;
    this.#chain = [lang, base, 'en'];
    const load = shipped[base];
    if (load) {
      delete shipped[base];
      // The page's own messages for this language (addMessages) win over the shipped ones.
      void load().then(({ default: messages }) => addMessages(base, { ...messages, ...catalogs[base] }));
    }
  }

  /** `text` (English, with `{name}` placeholders) in the host's language. */
  t = (text: string, params?: MessageParams): string => {
    // Own keys only: a peer's text ("constructor") is looked up too, and must stay text.
    const lang = this.#chain.find((tag) => catalogs[tag] && Object.hasOwn(catalogs[tag], text));
    return format(lang ? String(catalogs[lang]![text]) : text, params);
  };
}
