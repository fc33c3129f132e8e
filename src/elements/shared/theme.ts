// Design tokens every element reads. Each has a fallback here, so a page sets only what it
// wants to change (e.g. `parley-room { --parley-accent: rebeccapurple }`). Light or dark is
// the page's choice, never the OS's alone: the defaults use light-dark(), which follows
// the CSS `color-scheme` the element inherits (light unless the page declares otherwise;
// `color-scheme: light dark` on the page follows the OS).
/*! Lit, BSD-3-Clause License, Copyright 2017-2019 Google LLC, https://lit.dev */
import { css } from 'lit';

export const tokens = css`
  :host {
    --_accent: var(--parley-accent, #2563eb);
    --_danger: var(--parley-danger, #dc2626);
    --_surface: var(--parley-surface, light-dark(#fff, #111827));
    --_text: var(--parley-text, light-dark(#111827, #f9fafb));
    --_muted: var(--parley-muted, light-dark(#6b7280, #9ca3af));
    --_tile: var(--parley-tile-background, #1f2937);
    --_radius: var(--parley-radius, 8px);
    --_font: var(--parley-font, system-ui, sans-serif);
    font-family: var(--_font);
    color: var(--_text);
  }
`;

/** A peer-supplied colour goes into a style attribute: only plain colour syntax gets in. */
export function safeColor(color: string): string {
  return /^(#[0-9a-f]{3,8}|[a-z]{3,20})$/i.test(color) ? color : '#6b7280';
}
