import { expect } from '@open-wc/testing';
import { diffText, transformIndex } from './text-diff.js';

describe('diffText', () => {
  it('returns null for equal strings', () => {
    expect(diffText('abc', 'abc')).to.equal(null);
  });

  it('finds an insertion, a deletion and a replacement', () => {
    expect(diffText('hello world', 'hello brave world')).to.deep.equal({ index: 6, remove: 0, insert: 'brave ' });
    expect(diffText('hello brave world', 'hello world')).to.deep.equal({ index: 6, remove: 6, insert: '' });
    expect(diffText('amount 120', 'amount 135')).to.deep.equal({ index: 8, remove: 2, insert: '35' });
  });

  it('uses the caret to place an ambiguous insertion where the user typed', () => {
    // "a" typed between the two a's of "aa": the caret is at 2 afterwards.
    expect(diffText('aa', 'aaa', 2)).to.deep.equal({ index: 1, remove: 0, insert: 'a' });
    expect(diffText('aa', 'aaa')).to.deep.equal({ index: 2, remove: 0, insert: 'a' });
  });

  it('never splits a surrogate pair', () => {
    const edit = diffText('x😀', 'x😃')!;
    expect(edit.index).to.equal(1);
    expect(edit.insert).to.equal('😃');
    expect(edit.remove).to.equal(2);
  });
});

describe('transformIndex', () => {
  it('shifts a caret after an insertion before it', () => {
    expect(transformIndex(5, [{ retain: 2 }, { insert: 'abc' }])).to.equal(8);
  });

  it('keeps the caret in place when the insertion lands exactly at it', () => {
    expect(transformIndex(5, [{ retain: 5 }, { insert: 'abc' }])).to.equal(5);
  });

  it('ignores edits after the caret', () => {
    expect(transformIndex(2, [{ retain: 4 }, { insert: 'abc' }, { delete: 3 }])).to.equal(2);
  });

  it('pulls the caret back over a deletion before it, and clamps inside one', () => {
    expect(transformIndex(6, [{ retain: 1 }, { delete: 3 }])).to.equal(3);
    expect(transformIndex(3, [{ retain: 1 }, { delete: 5 }])).to.equal(1);
  });
});
