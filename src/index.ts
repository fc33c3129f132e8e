// npm entry: registers every element and exports their classes and the core.
export { ParleyRoom } from './elements/room/define.js';
export { ParleyVideoGrid } from './elements/video-grid/define.js';
export { ParleyControls } from './elements/controls/define.js';
export { ParleyField } from './elements/field/define.js';
export { ParleyForm } from './elements/form/define.js';
export { ParleyChat } from './elements/chat/define.js';
export { ParleyPeople } from './elements/people/define.js';
export { ParleyFiles } from './elements/files/define.js';
export { ParleyRecorder } from './elements/recorder/define.js';
export type { ParleyEventMap } from './elements/shared/emit.js';
export { addMessages, type Catalog } from './elements/shared/messages.js';
export * from './core/index.js';
