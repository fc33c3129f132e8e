// Native controls (buttons, selects, textareas, links) as the chat, files and recorder
// elements draw them: one stylesheet, so each element only adds its layout.
import { css } from 'lit';

export const widgetStyles = css`
  :host {
    display: block;
  }
  :host([hidden]) {
    display: none;
  }
  button,
  select,
  textarea {
    font: inherit;
    color: var(--_text);
    background: var(--_surface);
    border: 1px solid color-mix(in srgb, var(--_text) 25%, transparent);
    border-radius: var(--_radius);
  }
  select {
    min-height: 44px;
  }
  button {
    min-height: 44px;
    min-width: 44px;
    padding: 0 14px;
    cursor: pointer;
  }
  .primary {
    background: var(--_accent);
    border-color: var(--_accent);
    color: #fff;
  }
  .danger {
    background: var(--_danger);
    border-color: var(--_danger);
    color: #fff;
  }
  a {
    color: var(--_accent);
  }
  :focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }
  ul,
  ol {
    list-style: none;
    margin: 0;
    padding: 0;
  }
  .muted {
    color: var(--_muted);
    font-size: 0.85rem;
  }
  p {
    margin: 0;
  }
`;
