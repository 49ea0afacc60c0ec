import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixed, markdownTable, percent } from './markdown-table.js';

describe('markdownTable', () => {
  it('writes a header, a separator and one line per row', () => {
    assert.equal(markdownTable(['a', 'b'], [['1', '2']]), '| a | b |\n| --- | --- |\n| 1 | 2 |');
  });
  it('refuses a row whose cells do not match the columns', () => {
    assert.throws(() => markdownTable(['a', 'b'], [['1']]), /1 cells for 2 columns/);
  });
});

describe('figures', () => {
  it('prints n/a for a figure that could not be computed', () => {
    assert.equal(fixed(NaN, 2), 'n/a');
    assert.equal(percent(Infinity), 'n/a');
  });
  it('rounds to the digits asked and shares to whole percents', () => {
    assert.equal(fixed(1.23456, 3), '1.235');
    assert.equal(percent(0.456), '46%');
  });
});
