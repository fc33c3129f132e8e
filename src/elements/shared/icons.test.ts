import { expect, fixture, html } from '@open-wc/testing';
import lock from 'lucide/dist/esm/icons/lock.mjs';
import { icon } from './icons.js';

describe('icon()', () => {
  it('draws an inline SVG image with its text alternative, or a decorative one', async () => {
    const el = await fixture(html`<div style="font-size:20px">${icon(lock, 'locked')}${icon(lock)}</div>`);
    const [image, decorative] = el.querySelectorAll('svg');
    expect(image.namespaceURI).to.equal('http://www.w3.org/2000/svg');
    // The shapes were parsed as SVG (a path in the HTML namespace has no geometry).
    expect(image.querySelector('path')).to.be.instanceOf(SVGPathElement);
    expect(image.getBBox().width).to.be.greaterThan(0);
    expect(image.getAttribute('role')).to.equal('img');
    expect(image.getAttribute('aria-label')).to.equal('locked');
    expect(decorative.getAttribute('aria-hidden')).to.equal('true');
    expect(decorative.hasAttribute('aria-label')).to.equal(false);
    await expect(el).to.be.accessible();
  });
});
