// One way for a feature to live as long as its session: session.feature(create) makes it
// once, on first use, and the session disposes it when destroyed; the stats poller that
// quality and speaker share runs only while one of them is subscribed.
import { expect } from '@open-wc/testing';
import { Session } from './session.js';
import { chatOf } from '../chat/chat.js';
import { FileTransfers } from '../files/files.js';
import { qualityOf } from '../call/quality.js';
import { speakerOf } from '../call/speaker.js';
import { statsOf } from '../call/stats.js';
import { uniqueRoom, waitFor } from '../../../test/helpers.js';

describe('Session features', () => {
  const sessions: Session[] = [];
  afterEach(() => sessions.splice(0).forEach((s) => s.destroy()));
  const session = () => {
    const s = new Session(uniqueRoom());
    sessions.push(s);
    return s;
  };

  it('makes each feature once per session and disposes it with the session, last made first', () => {
    const a = session();
    const b = session();
    const disposed: string[] = [];
    const first = (s: Session) => ({ s, dispose: () => disposed.push('first') });
    const second = () => ({ dispose: () => disposed.push('second') });
    expect(a.feature(first)).to.equal(a.feature(first));
    expect(a.feature(first)).not.to.equal(b.feature(first));
    expect(a.feature(first).s).to.equal(a);
    a.feature(second);
    expect(chatOf(a)).to.equal(chatOf(a));
    expect(FileTransfers.for(a)).to.equal(FileTransfers.for(a));
    expect(qualityOf(a)).to.equal(qualityOf(a));
    a.destroy();
    expect(disposed).to.deep.equal(['second', 'first']);
    // Asked for after the end (an element rendering late): made, and disposed at once.
    const late = () => ({ dispose: () => disposed.push('late') });
    a.feature(late);
    expect(disposed.at(-1)).to.equal('late');
  });

  it('runs the stats poller only while something is subscribed, one timer for all', async () => {
    const s = session();
    const stats = statsOf(s);
    qualityOf(s); // out of the call: the quality monitor does not subscribe
    expect(stats.running).to.equal(false);
    let samples = 0;
    const stopCounting = stats.every(200, () => samples++);
    const unwatch = speakerOf(s).watch();
    const unwatchToo = speakerOf(s).watch();
    expect(stats.running).to.equal(true);
    await waitFor(() => samples >= 2, 'two rounds of the poller');
    stopCounting();
    unwatch();
    expect(stats.running, 'a second watcher keeps it going').to.equal(true);
    unwatchToo();
    expect(stats.running, 'the timer stops with the last one').to.equal(false);
  });

  it('never starts a stats task again while its last run is still going', async () => {
    const stats = statsOf(session());
    let started = 0;
    let finish = () => {};
    const stop = stats.every(200, () => {
      started++;
      return new Promise<void>((resolve) => (finish = resolve));
    });
    await waitFor(() => started === 1, 'the first run');
    // A read that takes five periods (a busy machine): the poller ticks on, the task waits.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(started, 'runs started while the first was still going').to.equal(1);
    finish();
    await waitFor(() => started === 2, 'the next run, once the first is done');
    stop();
    finish();
  });

  it('runs a stats subscriber first one whole period after it subscribes, whenever the poller started', async () => {
    const stats = statsOf(session());
    let fast = 0;
    const stopFast = stats.every(200, () => fast++);
    await waitFor(() => fast >= 3, 'the poller to run a while');
    // Subscribed mid-way (a call joined on a page whose grid already polls): its first
    // round comes five ticks later, not at the poller's next multiple of five.
    const atSubscribe = fast;
    let fastAtFirstRun = -1;
    const stopSlow = stats.every(1000, () => {
      if (fastAtFirstRun < 0) fastAtFirstRun = fast;
    });
    await waitFor(() => fastAtFirstRun >= 0, 'the slow subscriber to run');
    expect(fastAtFirstRun - atSubscribe, 'ticks before the first run').to.be.at.least(4);
    stopFast();
    stopSlow();
  });
});
