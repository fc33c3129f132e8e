import { css } from 'lit';

export const styles = css`
  header {
    display: flex;
    gap: 8px;
    align-items: center;
  }
  h2 {
    font-size: 1rem;
    margin: 0;
  }
  [part='badge'] {
    padding: 0 6px;
    border-radius: 999px;
    background: var(--_accent);
    color: #fff;
  }
  [part='log'] {
    margin: 8px 0;
    padding: 8px;
    height: var(--parley-chat-height, 16rem);
    overflow-y: auto;
    border: 1px solid color-mix(in srgb, var(--_text) 20%, transparent);
    border-radius: var(--_radius);
  }
  [part='message'] {
    margin-bottom: 8px;
    padding-left: 6px;
    border-left: 4px solid;
  }
  [part='name'] {
    font-weight: 600;
  }
  [part='text'] {
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  form {
    display: grid;
    grid-template-columns: 1fr auto;
    gap: 4px 8px;
  }
  label,
  #hint {
    grid-column: 1 / -1;
  }
  #hint {
    grid-row: 3;
  }
  textarea {
    resize: vertical;
    padding: 6px 8px;
  }
`;
