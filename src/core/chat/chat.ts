// Room chat kept in the room's Y.Doc (a Y.Array named `chat`), so everyone who joins later
// gets the history with the document. Entries come from peers: they are validated on read
// and anything that is not a well-formed message is skipped, never rendered. An entry counts
// only when written by the peer it names; its name is then the session's for that peer.
import type * as Y from 'yjs';
import { createNanoEvents } from 'nanoevents';
import type { Session } from '../session/session.js';

/** The session's chat (one per session, made on first use, disposed with the session). */
export function chatOf(session: Session): Chat {
  return session.feature(createChat);
}

/** Longest message text kept; longer input is cut (a peer's longer entry is skipped). */
export const MAX_CHAT_TEXT = 4000;
/** Earliest message time accepted (epoch ms); anything older is a peer's junk. */
export const CHAT_TIME_MIN = Date.UTC(2020, 0, 1);
/** How far ahead of our clock a sender's clock may be. */
export const CHAT_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;

export interface ChatMessage {
  id: string;
  /** Sender's peer id. */
  peer: string;
  /** Sender's display name: when read, the session's name for the sender if known. */
  from: string;
  /** When read: whether `from` is a name the relay vouched for. */
  verified?: boolean;
  /** Sender's colour. */
  color: string;
  text: string;
  /** Epoch milliseconds (the sender's clock). */
  time: number;
}

export interface ChatEvents {
  /** Messages or the unread count changed. */
  change: () => void;
  /** A message from someone else arrived. */
  message: (message: ChatMessage) => void;
}

/** One part of a message's text: plain text, or a link when `href` is set. */
export interface TextPart {
  text: string;
  href?: string;
}

export class Chat {
  readonly events = createNanoEvents<ChatEvents>();
  readonly #array: Y.Array<unknown>;
  #unread = 0;

  constructor(readonly session: Session) {
    this.#array = session.doc.getArray('chat');
    // History present before we looked counts as unread, like anything that arrives later.
    this.#unread = this.messages().length;
    this.#array.observe(this.#onChange);
  }

  /**
   * Messages, oldest first; malformed entries, and entries written by someone other than
   * the peer they name, are left out.
   */
  messages(): ChatMessage[] {
    const list: ChatMessage[] = [];
    for (let item = this.#array._start; item; item = item.right) {
      if (item.deleted) continue;
      for (const value of item.content.getContent()) {
        const message = this.#read(value, item.id.client);
        if (message) list.push(message);
      }
    }
    return list;
  }

  /** An entry as shown, or null when it is malformed or names someone other than its writer. */
  #read(value: unknown, client: number): ChatMessage | null {
    if (!isChatMessage(value)) return null;
    const writer = this.session.writerOf(client);
    // A writer we never heard from (history from before we came) keeps its own name, unverified.
    if (writer === null) return { ...value, verified: false };
    if (writer !== value.peer) return null;
    const from = this.session.nameOf({ peer: writer, user: { name: value.from, color: '' } });
    return { ...value, from, verified: this.session.isVerified(writer) };
  }

  /** Messages from others since the last markRead(). */
  get unread(): number {
    return this.#unread;
  }

  markRead(): void {
    if (this.#unread === 0) return;
    this.#unread = 0;
    this.events.emit('change');
  }

  /** Sends a message as the local participant. Blank text is ignored. */
  send(text: string): ChatMessage | null {
    const trimmed = text.replace(/^\s*\n|\s+$/g, '').slice(0, MAX_CHAT_TEXT);
    if (!trimmed.trim()) return null;
    const { user } = this.session.localPresence;
    const message: ChatMessage = {
      id: crypto.randomUUID(),
      peer: this.session.id,
      from: this.session.nameOf(this.session.localPresence),
      color: user.color,
      text: trimmed,
      time: Date.now(),
    };
    this.#array.push([message]);
    return message;
  }

  /** Stops following the document (the session does it for chatOf's chat). */
  dispose(): void {
    this.#array.unobserve(this.#onChange);
  }

  /** Same as dispose(). */
  destroy(): void {
    this.dispose();
  }

  #onChange = (event: Y.YArrayEvent<unknown>) => {
    if (!event.transaction.local) {
      for (const item of event.changes.added) {
        for (const value of item.content.getContent()) {
          const message = this.#read(value, item.id.client);
          if (!message) continue;
          this.#unread++;
          this.events.emit('message', message);
        }
      }
    }
    this.events.emit('change');
  };
}

export function isChatMessage(value: unknown): value is ChatMessage {
  const m = value as ChatMessage;
  return (
    typeof m === 'object' && m !== null &&
    typeof m.id === 'string' && m.id.length <= 64 &&
    typeof m.peer === 'string' && m.peer.length <= 64 &&
    typeof m.from === 'string' && m.from.length <= 200 &&
    typeof m.color === 'string' && m.color.length <= 64 &&
    typeof m.text === 'string' && m.text.length <= MAX_CHAT_TEXT &&
    typeof m.time === 'number' && m.time >= CHAT_TIME_MIN && m.time <= Date.now() + CHAT_CLOCK_SKEW_MS
  );
}

const LINK = /\bhttps?:\/\/[^\s<>"']+/gi;

/** Splits text into plain parts and http(s) links; trailing punctuation stays text. */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    const url = match[0].replace(/[.,;:!?)\]}]+$/, '');
    const start = match.index;
    if (start > last) parts.push({ text: text.slice(last, start) });
    parts.push({ text: url, href: url });
    last = start + url.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

const createChat = (session: Session) => new Chat(session);
