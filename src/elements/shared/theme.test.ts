import { expect, fixture, html } from '@open-wc/testing';
import { emulateMedia } from '@web/test-runner-commands';
import '../../index.js';
import type { ParleyControls } from '../controls/controls.js';
import { relayUrl, uniqueRoom } from '../../../test/helpers.js';

/** Relative luminance-ish: the mean of the RGB channels of a computed colour (0–255). */
function lightness(color: string): number {
  const [r, g, b] = color.match(/[\d.]+/g)!.map(Number);
  return (r! + g! + b!) / 3;
}

describe('colour scheme', () => {
  after(() => emulateMedia({ colorScheme: 'no-preference' }).catch(() => {}));

  async function devicesButton(scheme: string) {
    const wrapper = await fixture<HTMLDivElement>(
      html`<div style="color-scheme: ${scheme}">
        <parley-room room=${uniqueRoom()} signaling=${await relayUrl()}><parley-controls></parley-controls></parley-room>
      </div>`,
    );
    const controls = wrapper.querySelector('parley-controls') as ParleyControls;
    await controls.updateComplete;
    return controls.shadowRoot!.querySelector<HTMLButtonElement>('[part~=devices]')!;
  }

  it("follows the page's color-scheme", async () => {
    const light = await devicesButton('light');
    expect(lightness(getComputedStyle(light).backgroundColor), 'light background').to.be.above(200);
    expect(lightness(getComputedStyle(light).color), 'dark text').to.be.below(80);
    const dark = await devicesButton('dark');
    expect(lightness(getComputedStyle(dark).backgroundColor), 'dark background').to.be.below(60);
    expect(lightness(getComputedStyle(dark).color), 'light text').to.be.above(200);
  });

  it("stays light on a light page when the OS is dark; follows the OS where the page says 'light dark'", async function () {
    try {
      await emulateMedia({ colorScheme: 'dark' });
    } catch {
      return this.skip(); // the browser cannot emulate the OS setting from here (Firefox)
    }
    expect(matchMedia('(prefers-color-scheme: dark)').matches, 'the OS is dark').to.equal(true);
    const light = await devicesButton('light');
    expect(lightness(getComputedStyle(light).backgroundColor), 'light background').to.be.above(200);
    expect(lightness(getComputedStyle(light).color), 'dark text').to.be.below(80);
    // A page that declares no scheme at all is light too.
    const unset = await devicesButton('normal');
    expect(lightness(getComputedStyle(unset).backgroundColor), 'light without a declared scheme').to.be.above(200);

    const both = await devicesButton('light dark');
    expect(lightness(getComputedStyle(both).backgroundColor), 'dark, as the OS').to.be.below(60);
    await emulateMedia({ colorScheme: 'light' });
    expect(lightness(getComputedStyle(both).backgroundColor), 'light, as the OS now').to.be.above(200);
  });

  it('takes the page’s --parley-* tokens', async () => {
    const button = await devicesButton('light');
    const controls = (button.getRootNode() as ShadowRoot).host as HTMLElement;
    controls.style.setProperty('--parley-surface', 'rgb(1, 2, 3)');
    controls.style.setProperty('--parley-text', 'rgb(250, 251, 252)');
    expect(getComputedStyle(button).backgroundColor).to.equal('rgb(1, 2, 3)');
    expect(getComputedStyle(button).color).to.equal('rgb(250, 251, 252)');
  });
});
