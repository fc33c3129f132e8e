import { define } from '../shared/define.js';
import { ParleyControls } from './controls.js';

define('parley-controls', ParleyControls);

declare global {
  interface HTMLElementTagNameMap {
    'parley-controls': ParleyControls;
  }
}
export { ParleyControls };
