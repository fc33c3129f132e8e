import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    container-type: inline-size;
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
  /* The large tile: a shared screen, a pinned tile, or in speaker layout the speaker. */
  [part~='featured'] {
    grid-column: 1 / -1;
    order: -1;
    aspect-ratio: 16 / 9;
  }
  :host([layout='speaker']) [part='base'] {
    grid-template-columns: repeat(auto-fill, minmax(min(100%, 112px), 1fr));
  }
  /* A phone: one tile per row, each wide enough for its name and buttons. */
  @container (max-width: 420px) {
    [part='base'],
    :host([layout='speaker']) [part='base'] {
      grid-template-columns: 1fr;
    }
  }
  [part~='speaking'] {
    outline: 3px solid var(--_accent);
    outline-offset: -3px;
  }
  [part~='minimized'] {
    aspect-ratio: auto;
    min-height: 52px;
  }
  [part~='minimized'] [part='name'] {
    top: 50%;
    bottom: auto;
    transform: translateY(-50%);
    max-width: calc(100% - 150px);
  }
  [part='network'] {
    margin-inline-end: 4px;
  }
  [part='network'][data-quality='good'] {
    color: #4ade80;
  }
  [part='network'][data-quality='fair'] {
    color: #facc15;
  }
  [part='network'][data-quality='poor'] {
    color: #f87171;
  }
  [part='stats'] {
    position: absolute;
    left: 6px;
    top: 52px;
    display: grid;
    grid-template-columns: auto auto;
    gap: 0 8px;
    margin: 0;
    padding: 6px 8px;
    border-radius: var(--_radius);
    background: rgb(0 0 0 / 0.7);
    color: #fff;
    font-size: 0.75rem;
    font-variant-numeric: tabular-nums;
  }
  [part='stats'] dd {
    margin: 0;
  }
  [part='actions'] {
    position: absolute;
    top: 4px;
    right: 4px;
    display: flex;
    gap: 4px;
  }
  button {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 6px;
    font: inherit;
    font-size: 0.85rem;
    min-height: 44px;
    min-width: 44px;
    padding: 0 10px;
    border: 0;
    border-radius: var(--_radius);
    background: rgb(0 0 0 / 0.55);
    color: #fff;
    cursor: pointer;
  }
  button:focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }
  [part~='pin'][aria-pressed='false'] {
    opacity: 0.6;
  }
  [part~='enable-audio'] {
    display: block;
    width: 100%;
    margin-bottom: var(--parley-gap, 8px);
    background: var(--_accent);
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
  [part~='recording'] {
    color: #ff8a80;
    font-weight: 600;
  }
  [part~='recording'] [part~='icon'] {
    fill: currentColor;
    width: 0.8em;
    vertical-align: -0.1em;
    margin-inline-end: 2px;
  }
  [part~='hand'] {
    color: #facc15;
  }
  [part='reaction'] {
    position: absolute;
    left: 45%;
    bottom: 40px;
    padding: 8px;
    border-radius: 50%;
    background: rgb(0 0 0 / 0.55);
    color: #fff;
    font-size: 2rem;
    line-height: 0;
  }
  @media (prefers-reduced-motion: no-preference) {
    [part='reaction'] {
      animation: parley-float 3s ease-in forwards;
    }
  }
  @keyframes parley-float {
    to {
      transform: translateY(-100%);
      opacity: 0;
    }
  }
  /* Read by screen readers, not drawn. */
  [part='announcement'] {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
  }
  [part='empty'] {
    color: var(--_muted);
    margin: 0;
    padding: 1rem;
    text-align: center;
  }
`;
