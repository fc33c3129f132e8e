import { define } from '../shared/define.js';
import { ParleyChat } from './chat.js';

define('parley-chat', ParleyChat);

declare global {
  interface HTMLElementTagNameMap {
    'parley-chat': ParleyChat;
  }
}
export { ParleyChat };
