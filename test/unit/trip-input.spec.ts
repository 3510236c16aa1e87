/** What the traccar-speed node takes as a trip's start or end. */
import assert from 'node:assert/strict';
import { TripInputError, parseTripInput } from '../../src/nodes/lib/trip-input';

const VIN = 'WBA00000000000001';

describe('trip input of traccar-speed', () => {
  it('takes vehicle-stream’s trip and magic SOC’s trip events', () => {
    assert.deepEqual(parseTripInput({ topic: `${VIN}/trip`, payload: 'started' }), {
      kind: 'trip',
      vin: VIN,
      active: true,
    });
    assert.deepEqual(parseTripInput({ topic: `${VIN}/event`, payload: 'trip_ended' }), {
      kind: 'trip',
      vin: VIN,
      active: false,
    });
    assert.deepEqual(parseTripInput({ topic: `${VIN}/event`, payload: 'charge_started' }), { kind: 'ignore' });
  });

  it('refuses names every object has (constructor, toString, __proto__) instead of reading them as a trip', () => {
    for (const payload of ['constructor', 'toString', '__proto__']) {
      assert.throws(() => parseTripInput({ topic: `${VIN}/trip`, payload }), TripInputError, payload);
      assert.deepEqual(parseTripInput({ topic: `${VIN}/event`, payload }), { kind: 'ignore' }, payload);
    }
  });
});
