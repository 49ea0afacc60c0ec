import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { needsService, unitOnly } from './unit-only.js';

describe('needsService', () => {
  it('lets a helper reach its service outside make check', () => {
    assert.equal(unitOnly({}), false);
    assert.doesNotThrow(() => needsService('MariaDB', {}));
    assert.doesNotThrow(() => needsService('MariaDB', { VPCD_UNIT_ONLY: '0' }));
  });

  it('throws in make check, naming the service and the list to fix', () => {
    const check = { VPCD_UNIT_ONLY: '1' };
    assert.equal(unitOnly(check), true);
    assert.throws(
      () => needsService('RabbitMQ', check),
      /needs RabbitMQ, but VPCD_UNIT_ONLY=1.*scripts\/check-tests\.txt/,
    );
  });
});
