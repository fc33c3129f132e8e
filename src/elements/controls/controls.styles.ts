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
  [part='reactions'] {
    display: flex;
    gap: 4px;
  }
  [part~='reaction'] {
    padding: 0;
  }
  [part='preview'] {
    flex-basis: 100%;
    display: flex;
    flex-direction: column;
    gap: 10px;
    padding: 12px;
    border-radius: var(--_radius);
    border: 1px solid color-mix(in srgb, var(--_text) 25%, transparent);
    background: var(--_surface);
  }
  [part='preview'] .row {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
  }
  [part='preview-video'] {
    width: 100%;
    max-width: 480px;
    aspect-ratio: 16 / 9;
    object-fit: cover;
    border-radius: var(--_radius);
    background: var(--_tile, #1f2937);
    transform: scaleX(-1);
  }
  [part='level'] {
    display: block;
    width: 100%;
    max-width: 240px;
    height: 12px;
  }
  [part='name'] {
    display: block;
    font: inherit;
    min-height: 44px;
    padding: 0 10px;
    border-radius: var(--_radius);
    border: 1px solid color-mix(in srgb, var(--_text) 35%, transparent);
    background: var(--_surface);
    color: var(--_text);
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
