import { define } from '../shared/define.js';
import { ParleyField } from './field.js';

define('parley-field', ParleyField);

declare global {
  interface HTMLElementTagNameMap {
    'parley-field': ParleyField;
  }
}
export { ParleyField };
