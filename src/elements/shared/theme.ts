// Design tokens every element reads. Each has a fallback here, so a page sets only what it
// wants to change (e.g. `parley-room { --parley-accent: rebeccapurple }`).
import { css } from 'lit';

export const tokens = css`
  :host {
    --_accent: var(--parley-accent, #2563eb);
    --_danger: var(--parley-danger, #dc2626);
    --_surface: var(--parley-surface, #ffffff);
    --_text: var(--parley-text, #111827);
    --_muted: var(--parley-muted, #6b7280);
    --_tile: var(--parley-tile-background, #1f2937);
    --_radius: var(--parley-radius, 8px);
    --_font: var(--parley-font, system-ui, sans-serif);
    font-family: var(--_font);
    color: var(--_text);
  }
  [part~='icon'] {
    width: 1.25em;
    height: 1.25em;
    flex: none;
    vertical-align: -0.25em;
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_surface: var(--parley-surface, #111827);
      --_text: var(--parley-text, #f9fafb);
      --_muted: var(--parley-muted, #9ca3af);
    }
  }
`;

/** A peer-supplied colour goes into a style attribute: only plain colour syntax gets in. */
export function safeColor(color: string): string {
  return /^(#[0-9a-f]{3,8}|[a-z]{3,20})$/i.test(color) ? color : '#6b7280';
}
