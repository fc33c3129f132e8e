import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    --_tile-min: var(--parley-tile-min-width, 160px);
  }
  :host([hidden]) {
    display: none;
  }
  [part='base'] {
    display: grid;
    gap: var(--parley-gap, 8px);
    grid-template-columns: repeat(auto-fit, minmax(min(100%, var(--_tile-min)), 1fr));
  }
  [part~='tile'] {
    position: relative;
    margin: 0;
    aspect-ratio: 4 / 3;
    border-radius: var(--_radius);
    overflow: hidden;
    background: var(--_tile);
  }
  [part~='screen'] {
    grid-column: 1 / -1;
    aspect-ratio: 16 / 9;
  }
  video {
    width: 100%;
    height: 100%;
    object-fit: cover;
    display: block;
  }
  [part~='screen'] video {
    object-fit: contain;
  }
  video[hidden] {
    display: none;
  }
  [part='placeholder'] {
    position: absolute;
    inset: 0;
    display: grid;
    place-items: center;
  }
  [part='avatar'] {
    display: grid;
    place-items: center;
    width: 30%;
    aspect-ratio: 1;
    border-radius: 50%;
    color: #fff;
    font-size: clamp(1rem, 4vw, 2rem);
    font-weight: 600;
  }
  [part='name'] {
    position: absolute;
    left: 6px;
    bottom: 6px;
    max-width: calc(100% - 12px);
    padding: 2px 8px;
    border-radius: 999px;
    background: rgb(0 0 0 / 0.6);
    color: #fff;
    font-size: 0.85rem;
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  [part='badge'] {
    margin-inline-start: 4px;
  }
  [part='empty'] {
    color: var(--_muted);
    margin: 0;
    padding: 1rem;
    text-align: center;
  }
`;
