import { expect, fixture, html } from '@open-wc/testing';
import '../../index.js';
import { addMessages } from '../../parley.js';
import type { ParleyRoom } from '../room/room.js';
import type { ParleyControls } from '../controls/controls.js';
import type { ParleyVideoGrid } from '../video-grid/video-grid.js';
import { relayUrl, uniqueRoom, waitFor } from '../../../test/helpers.js';
import { ParleyError } from '../../core/index.js';
import de from './messages.de.js';
import { reactionLooks } from './reactions.js';

/**
 * The English catalogue, read from the code: every string literal inside a `t(…)` call of
 * an element (its first argument, or the object or conditional it is picked from; `say(…)`
 * in <parley-video-grid> passes its first argument to `t`), the
 * strings the elements look up through a variable (below), and the messages of the errors
 * the elements show (`new ParleyError('<code>', '<message>'` with a code they show).
 */
async function englishCatalogue(): Promise<{ shown: Set<string>; errors: Set<string> }> {
  const sources = (await (await fetch('/__parley/sources')).json()) as Record<string, string>;
  const shown = new Set<string>([
    // <parley-video-grid>: the stats rows' names and the network quality, looked up by value.
    ...['Bitrate', 'RTT', 'Loss', 'Codec', 'Resolution', 'FPS', 'good', 'fair', 'poor'],
    ...Object.values(reactionLooks).map((look) => look.label),
    // Error parameters the elements translate (errorText): what failed.
    ...['camera', 'microphone', 'camera or microphone', 'screen'],
    // <parley-files>: a transfer's end state (capitalized) and the reason core/files gives.
    ...['Declined', 'Refused', 'Cancelled', 'Failed'],
    ...['declined', 'cancelled by the receiver', 'cancelled by the sender', 'too many offers waiting', 'protocol error', 'the whole-file hash does not match'],
  ]);
  const errors = new Set<string>();
  const literal = /'((?:\\.|[^'\\])*)'|"((?:\\.|[^"\\])*)"|`((?:\\.|[^`\\$])*)`/g;
  const unescape = (text: string) => text.replace(/\\(.)/g, '$1');
  for (const [path, text] of Object.entries(sources)) {
    if (path.startsWith('src/elements/')) {
      for (const call of text.matchAll(/(?<![\w#$])(?:t|say)\(/g)) {
        // The call's first argument: up to its first comma or closing parenthesis outside
        // brackets and strings (the second is the placeholders' values).
        let depth = 0;
        let quote = '';
        const start = call.index! + call[0].length;
        let end = start;
        for (; end < text.length; end++) {
          const c = text[end]!;
          if (quote) {
            if (c === '\\') end++;
            else if (c === quote) quote = '';
          } else if (`'"\``.includes(c)) quote = c;
          else if ('([{'.includes(c)) depth++;
          else if (')]}'.includes(c) && depth-- === 0) break;
          else if (c === ',' && depth === 0) break;
        }
        const argument = text.slice(start, end);
        for (const m of argument.matchAll(literal)) {
          // A literal compared with (`kind === 'send' ? …`) picks a string; it is not one.
          if (!/[!=]==?\s*$/.test(argument.slice(0, m.index))) shown.add(unescape(m[1] ?? m[2] ?? m[3]!));
        }
      }
    }
    for (const m of text.matchAll(/new ParleyError\(\s*'(permission-denied|no-device|media|call-full|recording)',\s*(?:'((?:\\.|[^'\\])*)'|"((?:\\.|[^"\\])*)")/g)) {
      errors.add(unescape(m[2] ?? m[3]!));
    }
  }
  return { shown, errors };
}

describe('message catalogue', () => {
  it('has German for every string the elements show, and no German entry for a string they do not', async () => {
    const { shown, errors } = await englishCatalogue();
    expect(shown.size, 'strings found in the code').to.be.above(100);
    const english = new Set([...shown, ...errors]);
    const missing = [...english].filter((text) => !Object.hasOwn(de, text));
    expect(missing, 'English strings without a German entry (messages.de.ts)').to.deep.equal([]);
    const unknown = Object.keys(de).filter((text) => !english.has(text));
    expect(unknown, 'German entries for no string the elements show').to.deep.equal([]);
  });

  async function controlsIn(lang: string) {
    const wrapper = await fixture<HTMLDivElement>(
      html`<div lang=${lang}>
        <parley-room room=${uniqueRoom()} signaling=${await relayUrl()}><parley-controls></parley-controls></parley-room>
      </div>`,
    );
    const room = wrapper.querySelector('parley-room') as ParleyRoom;
    const controls = wrapper.querySelector('parley-controls') as ParleyControls;
    await controls.updateComplete;
    const root = controls.shadowRoot!;
    const buttons = () => [...root.querySelectorAll('button')].map((b) => b.textContent!.trim());
    return { wrapper, room, controls, root, buttons };
  }

  it('names every control in German under lang="de", and stays accessible', async () => {
    const { room, controls, root, buttons } = await controlsIn('de');
    await waitFor(() => buttons().includes('Anruf beitreten'), () => `German buttons, got ${buttons()}`);
    expect(buttons()).to.deep.equal(['Anruf beitreten', 'Geräte']);
    expect(root.querySelector('[part=base]')!.getAttribute('aria-label')).to.equal('Anrufsteuerung');
    await expect(controls).to.be.accessible();

    await room.session!.join({ audio: true, video: true });
    await waitFor(() => buttons().includes('Stummschalten'), 'the in-call controls');
    expect(buttons()).to.deep.equal(['Stummschalten', 'Kamera aus', 'Bildschirm teilen', 'Hand heben', 'Reaktionen', 'Anruf verlassen', 'Geräte']);
    await expect(controls).to.be.accessible();
  });

  it('shows an error of the core in the language, its parameters too', async () => {
    const { room, root } = await controlsIn('de-AT');
    const error = new ParleyError('no-device', 'No {what} was found. Connect one and try again.', { params: { what: 'camera' } });
    expect(error.message, 'English for the page code').to.equal('No camera was found. Connect one and try again.');
    room.session!.events.emit('error', error);
    const alert = await waitFor(() => root.querySelector('[role=alert]')?.textContent?.trim(), 'the message');
    await waitFor(() => root.querySelector('[role=alert]')!.textContent!.includes('Kamera'), () => `German, got ${alert}`);
    expect(root.querySelector('[role=alert]')!.textContent!.trim()).to.equal('Nicht gefunden: Kamera. Schließe ein Gerät an und versuche es erneut.');
  });

  it('follows the nearest lang and re-renders when it changes', async () => {
    const { wrapper, controls, buttons } = await controlsIn('en');
    expect(buttons()).to.deep.equal(['Join call', 'Devices']);
    wrapper.lang = 'de';
    await waitFor(() => buttons().includes('Anruf beitreten'), () => `German after the change, got ${buttons()}`);
    controls.lang = 'en'; // the element's own lang is nearer than its ancestor's
    await waitFor(() => buttons().includes('Join call'), () => `English again, got ${buttons()}`);
    controls.removeAttribute('lang');
    await waitFor(() => buttons().includes('Anruf beitreten'), () => `the ancestor's German, got ${buttons()}`);
  });

  it('takes a language or an override from addMessages; a missing string falls back to English', async () => {
    await addMessages('fr', { 'Join call': 'Rejoindre', 'Call controls': "Commandes d'appel" });
    const { root, buttons, wrapper } = await controlsIn('fr');
    expect(buttons()).to.deep.equal(['Rejoindre', 'Devices']);
    expect(root.querySelector('[part=base]')!.getAttribute('aria-label')).to.equal("Commandes d'appel");

    await addMessages('en', { Devices: 'Audio & video' });
    await waitFor(() => buttons().includes('Audio & video'), 'the English override, to the French page too');
    wrapper.lang = 'en-GB';
    await waitFor(() => buttons().join() === 'Join call,Audio & video', () => `English with the override, got ${buttons()}`);
    await addMessages('en', { Devices: 'Devices' });
  });

  it('translates the video grid under <html lang="de">', async () => {
    const html_ = document.documentElement;
    const before = html_.lang;
    html_.lang = 'de';
    try {
      const el = await fixture<ParleyRoom>(html`<parley-room room=${uniqueRoom()} signaling=${await relayUrl()}><parley-video-grid></parley-video-grid></parley-room>`);
      const grid = el.querySelector('parley-video-grid') as ParleyVideoGrid;
      await waitFor(() => grid.shadowRoot!.querySelector('[part=empty]')?.textContent === 'Noch niemand ist im Anruf.', 'the German empty message');
      await el.session!.join({ audio: true, video: true });
      const selfView = await waitFor(() => [...grid.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent!.trim() === 'Eigenes Bild ausblenden'), 'the self-view button in German');
      expect(selfView.closest('figure')!.getAttribute('aria-label')).to.match(/\(du\)$/);
      const pin = grid.shadowRoot!.querySelector('[part~=pin]')!;
      expect(pin.getAttribute('aria-label')).to.match(/ anheften$/);
      await expect(grid).to.be.accessible();
    } finally {
      html_.lang = before;
    }
  });
});
