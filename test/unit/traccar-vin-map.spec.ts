import assert from 'node:assert/strict';
import { formatVinMap, parseVinMap } from '../../src/traccar/vin-map';

describe('Traccar VIN map (TR-03)', () => {
  it('parses the TR-03 vector: trimmed pairs split at the first colon, bad pairs skipped', () => {
    const parsed = parseVinMap('WBA1234567890:MyTracker, WBA9876543210:Tracker2,bad, :x, WBAX: Car:One');
    assert.deepEqual(parsed.mappings, [
      { vin: 'WBA1234567890', deviceName: 'MyTracker' },
      { vin: 'WBA9876543210', deviceName: 'Tracker2' },
      { vin: 'WBAX', deviceName: 'Car:One' },
    ]);
    assert.deepEqual(parsed.skipped, ['bad', ':x']);
  });

  it('upper-cases VINs, keeps the device name’s case, skips an empty device name', () => {
    const parsed = parseVinMap(' wba1234567890 : My Tracker ,WBA9:  ,, ');
    assert.deepEqual(parsed.mappings, [{ vin: 'WBA1234567890', deviceName: 'My Tracker' }]);
    assert.deepEqual(parsed.skipped, ['WBA9:']);
  });

  it('reads nothing from empty or missing text, and writes the format back', () => {
    assert.deepEqual(parseVinMap(''), { mappings: [], skipped: [] });
    assert.deepEqual(parseVinMap(undefined), { mappings: [], skipped: [] });
    const text = 'WBA1234567890:MyTracker, WBAX:Car:One';
    assert.equal(formatVinMap(parseVinMap(text).mappings), text);
  });
});
