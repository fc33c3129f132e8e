// Field locks and delegation, shared in the room's Y.Doc:
//   Y.Map `locks`        key → { peer, name }   "I am editing this; others read only"
//   Y.Map `assignments`  key → { peer, name, by } "Bob, fill this in"
// A lock only counts while its holder is present: it is released when the holder leaves
// (every remaining peer removes it; deletes are idempotent), and a stale lock left in a
// document nobody holds is ignored. A lock or assignment counts only when written by the
// peer it names (the holder, the assigner): nobody can lock a field in someone else's name.
// Names shown are the session's (verified when the relay vouches for them).
import type * as Y from 'yjs';
import type { Session } from '../session/session.js';

export interface Holder {
  peer: string;
  name: string;
}

export interface Assignment extends Holder {
  /** Name of the person who assigned it. */
  by: string;
  /** Peer id of the person who assigned it. */
  byPeer: string;
}

function locks(session: Session): Y.Map<Holder> {
  return session.doc.getMap<Holder>('locks');
}

function assignments(session: Session): Y.Map<Assignment> {
  return session.doc.getMap<Assignment>('assignments');
}

function present(session: Session, peer: string) {
  return session.participant(peer);
}

/** Whether the entry under `key` was written by `peer` itself. */
function writtenBy<T>(session: Session, map: Y.Map<T>, key: string, peer: string): boolean {
  const item = map._map.get(key);
  return item !== undefined && session.writerOf(item.id.client) === peer;
}

/** Who holds the lock on a field, if a present participant does (and locked it themselves). */
export function lockHolder(session: Session, key: string): (Holder & { isLocal: boolean }) | null {
  const map = locks(session);
  const holder = map.get(key);
  if (!holder || typeof holder.peer !== 'string' || !writtenBy(session, map, key, holder.peer)) return null;
  const person = present(session, holder.peer);
  if (!person) return null;
  return { peer: holder.peer, name: person.name, isLocal: holder.peer === session.id };
}

/** Locks a field for the local user. Returns false when someone else holds it. */
export function lockField(session: Session, key: string): boolean {
  const holder = lockHolder(session, key);
  if (holder && !holder.isLocal) return false;
  locks(session).set(key, { peer: session.id, name: session.nameOf(session.localPresence) });
  return true;
}

export function unlockField(session: Session, key: string): void {
  if (locks(session).get(key)?.peer === session.id) locks(session).delete(key);
}

/** Releases every lock a peer held (called when it leaves). */
export function releaseLocksOf(session: Session, peer: string): void {
  const map = locks(session);
  const held = [...map.entries()].filter(([, holder]) => holder?.peer === peer).map(([key]) => key);
  if (held.length) session.doc.transact(() => held.forEach((key) => map.delete(key)));
}

/** Assigns a field to a participant (by peer id), or clears the assignment with null. */
export function assignField(session: Session, key: string, peer: string | null): void {
  const map = assignments(session);
  if (!peer) {
    map.delete(key);
    return;
  }
  const person = session.participant(peer);
  if (!person) return;
  map.set(key, { peer, name: person.name, by: session.nameOf(session.localPresence), byPeer: session.id });
}

/** The field's assignment, if the person it names as assigner made it. */
export function assignmentOf(session: Session, key: string): Assignment | null {
  const map = assignments(session);
  const assignment = map.get(key);
  if (!assignment || typeof assignment.peer !== 'string' || typeof assignment.byPeer !== 'string') return null;
  if (!writtenBy(session, map, key, assignment.byPeer)) return null;
  const name = present(session, assignment.peer)?.name ?? String(assignment.name ?? '');
  const by = present(session, assignment.byPeer)?.name ?? String(assignment.by ?? '');
  return { peer: assignment.peer, name, by, byPeer: assignment.byPeer };
}
