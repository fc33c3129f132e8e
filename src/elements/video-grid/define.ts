import { define } from '../shared/define.js';
import { ParleyVideoGrid } from './video-grid.js';

define('parley-video-grid', ParleyVideoGrid);

declare global {
  interface HTMLElementTagNameMap {
    'parley-video-grid': ParleyVideoGrid;
  }
}
export { ParleyVideoGrid };
