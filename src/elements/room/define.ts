import { define } from '../shared/define.js';
import { ParleyRoom } from './room.js';

define('parley-room', ParleyRoom);

declare global {
  interface HTMLElementTagNameMap {
    'parley-room': ParleyRoom;
  }
}
export { ParleyRoom };
