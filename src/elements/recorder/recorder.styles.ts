import { css } from 'lit';

export const styles = css`
  [part='base'] {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    align-items: center;
  }
  [part='indicator'],
  [part='error'] {
    flex-basis: 100%;
    color: var(--_danger);
    font-weight: 600;
  }
  [part='indicator'] [part~='icon'] {
    fill: currentColor;
    width: 0.8em;
  }
`;
