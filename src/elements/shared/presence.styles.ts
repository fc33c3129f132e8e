// Styles of the presence layer drawn by CollabController.renderOverlay().
import { css } from 'lit';

export const presenceStyles = css`
  [part='overlay'] {
    position: absolute;
    inset: 0;
    pointer-events: none;
    overflow: visible;
  }
  [part='outline'] {
    position: absolute;
    border: 2px solid;
    border-radius: 4px;
  }
  [part='flag'] {
    position: absolute;
    top: -1.4em;
    left: -2px;
    padding: 0 6px;
    border-radius: 4px 4px 4px 0;
    color: #fff;
    font: 600 11px/1.4em var(--_font);
    white-space: nowrap;
    max-width: 16em;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  [part='caret'] {
    position: absolute;
    width: 2px;
  }
  [part='assignment'] {
    position: absolute;
    transform: translate(-100%, -110%);
    font: 11px var(--_font);
    color: var(--_muted);
    white-space: nowrap;
  }
  [part='tools'] {
    position: absolute;
    z-index: 1;
    display: flex;
    gap: 6px;
    align-items: center;
    padding: 2px 4px;
    border-radius: 6px;
    background: var(--_surface);
    box-shadow: 0 1px 4px rgb(0 0 0 / 0.2);
    font: 12px var(--_font);
  }
  [part='tools'] button,
  [part='tools'] select {
    font: inherit;
    min-height: 44px;
    min-width: 44px;
  }
  [part~='lock'][aria-pressed='true'] {
    background: var(--_text);
    color: var(--_surface);
  }
`;
