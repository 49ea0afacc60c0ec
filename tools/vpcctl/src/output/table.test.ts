import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderTable } from './table.js';

describe('renderTable', () => {
  it('aligns columns under upper-case headers and shows empty cells as -', () => {
    const rows = [
      { id: 'a', name: 'first', ip: '10.0.0.2' },
      { id: 'bbbb', name: '', ip: '10.0.0.3' },
    ];
    const text = renderTable(
      [
        { header: 'id', value: (r: (typeof rows)[number]) => r.id },
        { header: 'name', value: (r) => r.name },
        { header: 'ip', value: (r) => r.ip },
      ],
      rows,
    );
    assert.equal(
      text,
      ['ID     NAME    IP', 'a      first   10.0.0.2', 'bbbb   -       10.0.0.3', ''].join('\n'),
    );
  });
});
