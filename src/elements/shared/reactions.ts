// What the call's reactions look like, for <parley-controls> (which sends them) and
// <parley-video-grid> (which shows them on tiles): an icon and an English name each (the
// name goes through the message catalogue). Inline SVG, like every Parley icon.
import thumbsUp from 'lucide/dist/esm/icons/thumbs-up.mjs';
import heart from 'lucide/dist/esm/icons/heart.mjs';
import grinning from 'lucide/dist/esm/icons/face-grinning.mjs';
import type { ReactionName } from '../../core/index.js';
import type { IconNode } from './icons.js';

export const reactionLooks: Record<ReactionName, { icon: IconNode; label: string }> = {
  like: { icon: thumbsUp, label: 'Thumbs up' },
  love: { icon: heart, label: 'Heart' },
  laugh: { icon: grinning, label: 'Laughing' },
};
