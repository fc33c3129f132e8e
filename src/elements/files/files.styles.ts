import { css } from 'lit';

export const styles = css`
  [part='drop'] {
    display: flex;
    flex-wrap: wrap;
    gap: 8px 16px;
    align-items: center;
    padding: 12px;
    border: 2px dashed color-mix(in srgb, var(--_text) 30%, transparent);
    border-radius: var(--_radius);
  }
  [part='drop'].dragging {
    border-color: var(--_accent);
  }
  [part='transfer'] {
    display: flex;
    flex-wrap: wrap;
    gap: 4px 8px;
    align-items: center;
    padding: 8px 0;
  }
  [part='name'] {
    font-weight: 600;
    overflow-wrap: anywhere;
  }
  progress {
    flex-basis: 100%;
  }
`;
