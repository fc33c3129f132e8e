// What <parley-video-grid>'s polite live region says: compared with the last render, who
// joined or left the call, raised a hand or started sharing a screen. Only while we are in
// the call; joining starts afresh, quietly.
import type { Localize } from '../shared/messages.js';
import type { Participant } from '../../core/index.js';

export class CallAnnouncer {
  /** What the live region last knew of each remote person in the call; null while we are not in it. */
  #heard: Map<string, readonly [string, boolean, boolean]> | null = null;
  /** The latest announcement. */
  text = '';

  /** Takes in the room as it is now: `participants` (ours first) and the peer ids of raised hands. */
  update({ t }: Localize, participants: Participant[], hands: Set<string>): void {
    const [me, ...others] = participants;
    // Per person in the call: [name, hand raised, sharing a screen].
    const now = new Map(others.filter((p) => p.media).map((p) => [p.id, [p.name || t('Guest'), hands.has(p.id), !!p.media!.screen] as const]));
    const said: string[] = [];
    const say = (text: string, name: string) => said.push(t(text, { name }));
    if (this.#heard) {
      for (const [id, [name, hand, screen]] of now) {
        const before = this.#heard.get(id);
        if (!before) say('{name} joined the call', name);
        if (hand && !before?.[1]) say('{name} raised a hand', name);
        if (screen && !before?.[2]) say('{name} started sharing their screen', name);
      }
      for (const [id, [name]] of this.#heard) if (!now.has(id)) say('{name} left the call', name);
    }
    this.#heard = me?.media ? now : null;
    if (said.length) this.text = said.join('. ');
  }
}
