import { define } from '../shared/define.js';
import { ParleyForm } from './form.js';

define('parley-form', ParleyForm);

declare global {
  interface HTMLElementTagNameMap {
    'parley-form': ParleyForm;
  }
}
export { ParleyForm };
