import assert from 'node:assert/strict';
import { Faults } from '../../src/sim/faults';

describe('simulator fault switches', () => {
  it('takes numbers and booleans by name, as given on the command line', () => {
    const faults = new Faults();
    faults.set(Faults.parse('restFailNext=3'));
    faults.set(Faults.parse('refuseAllConnects'));
    faults.set({ refuseSubscriptions: 'false' });
    assert.equal(faults.settings.restFailNext, 3);
    assert.equal(faults.settings.refuseAllConnects, true);
    assert.equal(faults.settings.refuseSubscriptions, false);
  });

  it('refuses unknown names and values of the wrong kind instead of doing nothing', () => {
    const faults = new Faults();
    assert.throws(() => faults.set({ restFailnext: 1 }), /unknown fault "restFailnext"; known: restStatus/);
    assert.throws(() => faults.set({ restFailNext: 'many' }), /takes a number >= 0/);
    assert.throws(() => faults.set({ refuseAllConnects: 'yes please' }), /takes true or false/);
    assert.equal(faults.settings.restFailNext, 0);
  });

  it('uses up "next N" counters one request at a time', () => {
    const faults = new Faults();
    faults.set({ refuseConnects: 2 });
    assert.deepEqual(
      [faults.take('refuseConnects'), faults.take('refuseConnects'), faults.take('refuseConnects')],
      [true, true, false],
    );
  });
});
