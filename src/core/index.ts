// The framework-free engine: usable without Lit or any element.
export { Session, defaultSignalingUrl } from './session.js';
export type { SessionConfig, SessionEvents, Participant, PresenceState, MediaState } from './session.js';
export { acquireSession, releaseSession, findSession } from './registry.js';
export { SignalingClient } from './signaling.js';
export { Peer } from './peer.js';
export { DocSync } from './sync.js';
export { FieldBinding, isSyncable, isTextControl, readControl } from './field-binding.js';
export type { FieldControl, FieldValue, ChangeOrigin } from './field-binding.js';
export { diffText, transformIndex } from './text-diff.js';
export { ParleyError } from './errors.js';
export type { MediaRequest } from './media.js';
export type { ParleyErrorCode } from './errors.js';
