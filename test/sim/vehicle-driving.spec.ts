import assert from 'node:assert/strict';
import { drivingAuxKw, steadyConsumptionKwhPerKm } from '../../src/sim/vehicle/driving';
import { getProfile } from '../../src/sim/vehicle/profiles';
import { Rng } from '../../src/sim/vehicle/random';
import { Route, haversineM } from '../../src/sim/vehicle/route';
import { SPEED_BRACKETS } from '../../src/sim/vehicle/trip';
import { HOUR, MINUTE, START, runVehicle } from './vehicle-helpers';

const HOME = { latitude: 48.137, longitude: 11.575 };

function tripKwhPerKm(profile: 'city' | 'suburban' | 'highway', seed: number, ambientC = 18): number {
  const run = runVehicle('i4-edrive40', [{ drive: { km: 25, profile } }], { seed, startSoc: 90, ambientC });
  run.until(START + 3 * HOUR);
  const trip = run.vehicle.model.lastTrip!;
  return trip.energyKwh / trip.distanceKm;
}

describe('simulated vehicle: driving physics', () => {
  it('uses more energy per km the faster it goes at steady speed, and more in the cold', () => {
    const i4 = getProfile('i4-edrive40');
    const [v50, v80, v110, v130, v150] = [50, 80, 110, 130, 150].map((v) => steadyConsumptionKwhPerKm(i4, v, 18));
    assert.ok(v50 < v80 && v80 < v110 && v110 < v130 && v130 < v150, 'aero grows with v²');
    assert.ok(v130 > 0.19 && v130 < 0.23, `i4 at 130 km/h: ${v130} kWh/km`);
    assert.ok(steadyConsumptionKwhPerKm(i4, 50, -5) > v50 + 0.04, 'heating costs most at low speed');
    assert.ok(drivingAuxKw(0) > drivingAuxKw(18) + 1.5);
    assert.ok(drivingAuxKw(35) > drivingAuxKw(20), 'air conditioning');
  });

  it('consumes more per km on the highway than in town and suburbs, trip after trip', () => {
    for (const seed of [1, 2, 3]) {
      const city = tripKwhPerKm('city', seed);
      const suburban = tripKwhPerKm('suburban', seed);
      const highway = tripKwhPerKm('highway', seed);
      // By at least 0.03 kWh/km: a 25 km highway trip with a slow stretch (70–95 km/h) or two comes out near 0.17.
      assert.ok(highway > city + 0.03, `seed ${seed}: highway ${highway} vs city ${city}`);
      assert.ok(highway > suburban + 0.03, `seed ${seed}: highway ${highway} vs suburban ${suburban}`);
      assert.ok(city > 0.1 && city < 0.18 && highway < 0.26, `plausible: ${city}, ${highway}`);
    }
    assert.ok(tripKwhPerKm('city', 1, 0) > tripKwhPerKm('city', 1, 18) + 0.04, 'a winter town trip costs more');
  });

  it('brakes for traffic lights and the destination no harder than the car may (2.2 m/s² in town)', () => {
    let hardest = 0;
    for (const seed of [1, 2, 3, 4]) {
      const run = runVehicle('i4-edrive40', [{ drive: { km: 10, profile: 'city' } }], { seed, startSoc: 90 });
      let last = 0;
      run.until(START + HOUR, () => {
        const v = run.vehicle.model.speedKmh;
        hardest = Math.max(hardest, (last - v) / 3.6);
        last = v;
      });
    }
    assert.ok(hardest <= 2.2 + 1e-9, `hardest braking ${hardest.toFixed(2)} m/s²`);
  });

  it('drives speed traces that fit their profile and splits the truth by speed bracket', () => {
    const run = runVehicle('i4-edrive40', [{ drive: { km: 40, profile: 'highway' } }], { startSoc: 90 });
    let top = 0;
    let jumps = 0;
    let last = 0;
    run.until(START + HOUR, () => {
      const v = run.vehicle.model.speedKmh;
      top = Math.max(top, v);
      if (Math.abs(v - last) > 12) jumps++; // > 3.3 m/s²: harder than a firm stop
      last = v;
    });
    const trip = run.vehicle.model.lastTrip!;
    const km = (name: (typeof SPEED_BRACKETS)[number]): number => trip.byBracket[name].km;
    assert.ok(km('highway') + km('fast_highway') > 0.8 * trip.distanceKm, 'mostly at 100+ km/h');
    assert.ok(km('fast_highway') > 0, 'some of it at 130+');
    assert.ok(top < 170);
    assert.equal(jumps, 0, 'the speed trace is smooth');
    const sumKm = SPEED_BRACKETS.reduce((s, b) => s + trip.byBracket[b].km, 0);
    const sumKwh = SPEED_BRACKETS.reduce((s, b) => s + trip.byBracket[b].kwh, 0);
    assert.ok(Math.abs(sumKm - trip.distanceKm) < 1e-9 && Math.abs(sumKwh - trip.energyKwh) < 1e-9);
    assert.ok(Math.abs(trip.distanceKm - 40) < 1e-6);
    assert.ok(Math.abs(trip.startSoc - trip.endSoc! - (trip.energyKwh / 80.7) * 100) < 1e-9, 'SOC drop = energy');

    const city = runVehicle('i4-edrive40', [{ drive: { km: 10, profile: 'city' } }], { startSoc: 90 });
    let stops = 0;
    let moving = false;
    city.until(START + HOUR, () => {
      const v = city.vehicle.model.speedKmh;
      if (moving && v === 0 && city.vehicle.model.driving) stops++;
      moving = v > 0;
      assert.ok(v <= 62, `city speed ${v}`);
    });
    assert.ok(stops >= 5, `stop-and-go: ${stops} stops in 10 km`);
  });

  it('moves the GPS position along the route so odometer and GPS distance agree, and comes home', () => {
    const run = runVehicle('i4-edrive40', [{ drive: { km: 30, profile: 'mixed' } }], { startSoc: 80 });
    const model = run.vehicle.model;
    const odoStart = model.odometerKm;
    const home = { ...model.position };
    let gps = 0;
    let previous = { ...model.position };
    let farthest = 0;
    const headings = new Set<number>();
    run.until(START + 2 * HOUR, (t) => {
      if (t % 10_000 !== 0) return;
      const p = model.position;
      gps += haversineM(previous, p);
      farthest = Math.max(farthest, haversineM(home, p));
      headings.add(Math.round(p.headingDeg));
      previous = { ...p };
    });
    const odometer = (model.odometerKm - odoStart) * 1000;
    assert.ok(Math.abs(odometer - 30_000) < 1);
    assert.ok(Math.abs(gps - odometer) / odometer < 0.02, `GPS ${gps} m vs odometer ${odometer} m`);
    assert.ok(farthest > 3000, `it went somewhere: ${farthest} m`);
    assert.ok(haversineM(home, model.position) < 1, 'a round trip ends at home');
    assert.ok(headings.size >= 4, 'the heading follows the route');
  });

  it('builds routes whose length is the trip distance; one-way trips end elsewhere', () => {
    const route = Route.oneWay(HOME, 12_000, new Rng(5));
    assert.ok(Math.abs(route.lengthM - 12_000) < 1e-6);
    const end = route.at(12_000);
    assert.ok(haversineM(HOME, end) > 5000, 'one way ends away from home');
    const loop = Route.roundTrip(HOME, 20_000, new Rng(5));
    assert.ok(haversineM(HOME, loop.at(20_000)) < 0.01);
    assert.ok(
      Math.abs(haversineM(loop.at(1000), loop.at(1100)) - 100) < 1,
      'metres along the route are metres on earth',
    );
  });

  it('locks the doors at drive-away and unlocks, opens and locks again after parking', () => {
    const run = runVehicle('i4-edrive40', [{ park: { minutes: 1 } }, { drive: { km: 3, profile: 'city' } }], {
      startSoc: 80,
    });
    const model = run.vehicle.model;
    assert.equal(model.doors.central, 'LOCKED');
    run.until(START + MINUTE + 2000);
    assert.equal(model.doors.central, 'UNLOCKED');
    assert.equal(model.doors.driver, true, 'the driver gets in');
    let lockedWhileDriving = false;
    let end = 0;
    run.until(START + HOUR, (t) => {
      if (model.driving && model.speedKmh > 20) lockedWhileDriving ||= model.doors.central === 'LOCKED';
      if (!model.driving && end === 0) end = t;
    });
    assert.ok(lockedWhileDriving);
    assert.ok(end > 0 && model.lastTrip!.endMs! <= end);
    assert.ok(model.doors.central === 'LOCKED' || model.doors.central === 'SECURED', 'locked again after leaving');
    assert.equal(model.doors.driver, false);
  });

  it('drives a PHEV on electricity down to its floor, then on fuel', () => {
    const run = runVehicle('330e', [{ drive: { km: 60, profile: 'suburban' } }], { startSoc: 25 });
    const model = run.vehicle.model;
    const fuelBefore = model.fuelLitres;
    let kmAtFloor = -1;
    const odoStart = model.odometerKm;
    run.until(START + 2 * HOUR, () => {
      if (kmAtFloor < 0 && model.soc <= 3) kmAtFloor = model.odometerKm - odoStart;
    });
    const trip = model.lastTrip!;
    assert.ok(kmAtFloor > 10 && kmAtFloor < 35, `electric for ${kmAtFloor} km`);
    assert.ok(Math.abs(model.soc - 3) < 0.1, `held at the floor: ${model.soc}`);
    assert.ok(trip.fuelLitres > 1 && trip.fuelLitres < 4, `${trip.fuelLitres} l`);
    assert.ok(Math.abs(fuelBefore - model.fuelLitres - trip.fuelLitres) < 1e-9);
    assert.equal(model.trueState().fuelLitres, model.fuelLitres);
  });

  it('refuses to drive a BEV with an empty battery and strands it when it runs out', () => {
    const run = runVehicle('mini-cooper-se', [{ drive: { km: 300, profile: 'highway' } }, { drive: { km: 5 } }], {
      startSoc: 20,
    });
    run.until(START + 2 * HOUR);
    const model = run.vehicle.model;
    assert.equal(model.energyKwh, 0);
    assert.ok(model.lastTrip!.distanceKm < 40, 'it stopped short');
    assert.equal(model.driving, false);
    assert.match(run.warnings.join('\n'), /battery is empty/);
  });
});
