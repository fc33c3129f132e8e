import { define } from '../shared/define.js';
import { ParleyPeople } from './people.js';

define('parley-people', ParleyPeople);

declare global {
  interface HTMLElementTagNameMap {
    'parley-people': ParleyPeople;
  }
}
export { ParleyPeople };
