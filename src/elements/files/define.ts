import { define } from '../shared/define.js';
import { ParleyFiles } from './files.js';

define('parley-files', ParleyFiles);

declare global {
  interface HTMLElementTagNameMap {
    'parley-files': ParleyFiles;
  }
}
export { ParleyFiles };
