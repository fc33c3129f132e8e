// How Parley draws an icon: inline SVG, never font glyphs or emoji (those draw as empty
// boxes where the font lacks them). The icons are Lucide's (ISC): each element imports the
// few it draws straight from `lucide/dist/esm/icons/`, so a chunk carries only its own and
// this module (in every page's base chunk) none. `icon(node)` is decorative (the control
// around it has the name); `icon(node, label)` is an image with that text alternative.
/*! Icons: Lucide, ISC License, Copyright (c) Lucide Contributors, https://lucide.dev/license */
import { css, html, nothing } from 'lit';

/** The size of an icon, for the styles of an element that draws icons. */
export const iconStyles = css`
  [part~='icon'] {
    width: 1.25em;
    height: 1.25em;
    flex: none;
    vertical-align: -0.25em;
  }
`;

/** Lucide's format: the SVG's children as [tag, attributes]. */
export type IconNode = Array<[tag: string, attributes: Record<string, string | number>]>;

/** Each icon's markup, made once: an element draws its icons on every render. */
const markup = new WeakMap<IconNode, string>();

/** The SVG markup of an icon's children (Lucide's constants, never user input). */
function inner(node: IconNode): string {
  let text = markup.get(node);
  if (text === undefined) {
    text = node.map(([tag, attrs]) => `<${tag} ${Object.entries(attrs).map(([k, v]) => `${k}="${v}"`).join(' ')}/>`).join('');
    markup.set(node, text);
  }
  return text;
}

/**
 * An inline SVG icon (`part="icon"`), 1.25em, in the current text colour. Its children
 * are set as markup (parsed as SVG inside the <svg>); Lit sets it again only when the
 * markup differs, i.e. when the icon changes.
 */
export function icon(node: IconNode, label?: string) {
  return html`<svg
    part="icon"
    viewBox="0 0 24 24"
    fill="none"
    stroke="currentColor"
    stroke-width="2"
    stroke-linecap="round"
    stroke-linejoin="round"
    focusable="false"
    role=${label ? 'img' : nothing}
    aria-label=${label || nothing}
    aria-hidden=${label ? nothing : 'true'}
    .innerHTML=${inner(node)}
  ></svg>`;
}
