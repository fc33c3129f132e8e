import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    position: relative;
  }
  :host([hidden]) {
    display: none;
  }
  [part='presence'] {
    display: flex;
    flex-wrap: wrap;
    gap: 4px;
    margin-top: 2px;
    min-height: 0;
  }
  [part='presence']:empty {
    display: none;
  }
  [part='badge'] {
    display: inline-block;
    max-width: 12em;
    padding: 0 8px;
    border-radius: 999px;
    color: #fff;
    font-size: 0.75rem;
    line-height: 1.5;
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
  }
`;
