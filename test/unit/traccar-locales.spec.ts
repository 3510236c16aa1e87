import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SPEED_BRACKETS } from '../../src/vehicle/driving/speed-brackets';

const LOCALES = join(__dirname, '..', '..', 'src', 'nodes', 'locales', 'en-US');
const catalogue = (name: string) => JSON.parse(readFileSync(join(LOCALES, `${name}.json`), 'utf8'))[name];

/** The test helper's RED._ answers keys, so a key missing from the catalogue would only show in a real editor. */
describe('Traccar nodes: message catalogues', () => {
  it('has every status, bracket and error text the speed node uses', () => {
    const speed = catalogue('cardata-traccar-speed');
    const source = readFileSync(join(__dirname, '..', '..', 'src', 'nodes', 'cardata-traccar-speed.ts'), 'utf8');
    const statusKeys = [...source.matchAll(/key: '(\w+)'|STATUS\}\.(\w+)|text\('(\w+)'/g)].map(
      (m) => m[1] ?? m[2] ?? m[3],
    );
    const errorKeys = [...source.matchAll(/errors\.(\w+)`/g)].map((m) => m[1]);
    assert.ok(statusKeys.length >= 8 && errorKeys.length >= 6);
    for (const key of statusKeys) assert.equal(typeof speed.status[key], 'string', `status.${key}`);
    for (const key of errorKeys) assert.equal(typeof speed.errors[key], 'string', `errors.${key}`);
    for (const key of ['noVin', 'badVin', 'badTrip', 'unknownInput', 'url', 'token']) {
      assert.equal(typeof speed.errors[key], 'string', `errors.${key}`);
    }
    for (const bracket of SPEED_BRACKETS) assert.equal(typeof speed.bracket[bracket], 'string', bracket);
    assert.equal(typeof catalogue('cardata-traccar').label.token, 'string');
  });
});
