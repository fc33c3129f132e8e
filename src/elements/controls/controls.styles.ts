import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
  }
  :host([hidden]) {
    display: none;
  }
  [part='base'] {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    align-items: center;
  }
  button {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    font: inherit;
    min-height: 44px;
    min-width: 44px;
    padding: 0 14px;
    border-radius: var(--_radius);
    border: 1px solid color-mix(in srgb, var(--_text) 25%, transparent);
    background: var(--_surface);
    color: var(--_text);
    cursor: pointer;
  }
  button:focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }
  button[aria-pressed='true'] {
    background: var(--_text);
    color: var(--_surface);
  }
  button[disabled] {
    opacity: 0.5;
    cursor: not-allowed;
  }
  [part~='join'] {
    background: var(--_accent);
    border-color: var(--_accent);
    color: #fff;
  }
  [part~='leave'] {
    background: var(--_danger);
    border-color: var(--_danger);
    color: #fff;
  }
  [part='devices'] {
    flex-basis: 100%;
    display: flex;
    flex-wrap: wrap;
    gap: 8px 16px;
  }
  [part='devices'] label {
    display: flex;
    flex-direction: column;
    gap: 2px;
    font-size: 0.85rem;
    min-width: 0;
    flex: 1 1 12rem;
  }
  select {
    font: inherit;
    min-height: 44px;
    max-width: 100%;
    border-radius: var(--_radius);
    background: var(--_surface);
    color: var(--_text);
  }
  [part='error'] {
    flex-basis: 100%;
    margin: 0;
    color: var(--_danger);
  }
  [part='error']:empty {
    display: none;
  }
`;
