import { define } from '../shared/define.js';
import { ParleyRecorder } from './recorder.js';

define('parley-recorder', ParleyRecorder);

declare global {
  interface HTMLElementTagNameMap {
    'parley-recorder': ParleyRecorder;
  }
}
export { ParleyRecorder };
