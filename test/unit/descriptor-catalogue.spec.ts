/** The shipped descriptor catalogue (src/cardata/catalogue.ts over src/cardata/data/descriptor-catalogue.json). */
import assert from 'node:assert/strict';
import { entries, lookup, names, search } from '../../src/cardata/catalogue';
import { normaliseUnit } from '../../src/cardata/normalise';

describe('descriptor catalogue', () => {
  it('holds every descriptor of descriptors.csv once, catalogue entries first-class', () => {
    const all = names();
    assert.equal(all.length, 297);
    assert.equal(new Set(all).size, all.length);
    assert.equal(entries().filter((e) => e.status === undefined).length, 294);
    assert.equal(entries().filter((e) => e.streamable === true).length, 245);
  });

  it('looks a descriptor up with title, category, type and the stream’s unit spelling', () => {
    const soc = lookup('vehicle.drivetrain.batteryManagement.header');
    assert.equal(soc?.unit, '%', '`percent` in BMW’s catalogue');
    assert.equal(soc?.category, 'BEV_PHEV_DATA');
    assert.equal(soc?.type, 'float');
    assert.equal(soc?.streamable, true);
    assert.equal(lookup('vehicle.vehicle.travelledDistance')?.title, 'Mileage');
    assert.equal(lookup('vehicle.vehicle.travelledDistance')?.unit, null, 'the literal "null" of the catalogue');
    assert.equal(lookup('vehicle\u200b.isMoving')?.name, 'vehicle.isMoving', 'names pasted from BMW’s HTML');
    assert.equal(lookup('vehicle.no.such.key'), undefined);
  });

  it('spells every unit the way the stream normaliser does', () => {
    for (const entry of entries()) assert.equal(entry.unit, normaliseUnit(entry.unit), entry.name);
  });

  it('lists enum values where the range is an enum list, and corrects BMW’s known copy errors', () => {
    assert.deepEqual(lookup('vehicle.drivetrain.electricEngine.charging.phaseNumber')?.enum, [
      'NO_CHARGING',
      '1-PHASES',
      '2-PHASES',
      '3-PHASES',
      'INVALID',
    ]);
    assert.deepEqual(lookup('vehicle.body.chargingPort.status')?.enum, [
      'CONNECTED',
      'DISCONNECTED',
      'INVALID',
      '-NA-',
    ]);
    assert.ok(lookup('vehicle.drivetrain.electricEngine.charging.status')?.enum?.includes('CHARGINGACTIVE'));
    assert.equal(lookup('vehicle.vehicle.travelledDistance')?.enum, undefined, 'a number range is no enum');
    assert.equal(lookup('vehicle.isMoving')?.enum, undefined, 'ASN_isTrue/… become booleans on the way in');
    assert.equal(lookup('vehicle.look.image')?.enum, undefined, '"PNG file" is prose');
    assert.equal(lookup('vehicle.powertrain.electric.battery.stateOfCharge.displayed')?.unit, '%');
  });

  it('searches names first, then titles, then groups and descriptions; every word must match', () => {
    const mileage = search('mileage');
    assert.match(`${mileage[0].name} ${mileage[0].title}`, /mileage/i, 'a name or title match comes first');
    assert.ok(mileage.some((e) => e.name === 'vehicle.vehicle.travelledDistance'));
    const location = search('currentLocation lat');
    assert.deepEqual(
      location.map((e) => e.name),
      ['vehicle.cabin.infotainment.navigation.currentLocation.latitude'],
    );
    assert.ok(search('CHARGING').length > 20, 'case-insensitive');
    assert.equal(search('charging power', 3).length, 3);
    assert.deepEqual(search('  '), []);
    assert.deepEqual(search('no-such-word-anywhere'), []);
  });
});
