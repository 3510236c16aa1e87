import assert from 'node:assert/strict';
import { acSupply, chargingAuxKw, chargingEfficiency, dcCurve, dcPowerKw } from '../../src/sim/vehicle/charging';
import { getProfile } from '../../src/sim/vehicle/profiles';
import { HOUR, MINUTE, START, runVehicle } from './vehicle-helpers';

describe('simulated vehicle: charging physics', () => {
  const i4 = getProfile('i4-edrive40');

  it('has the documented true efficiency: 1-phase ≈ 0.86, 3-phase 11 kW ≈ 0.92, DC ≈ 0.94, worse when cold', () => {
    const ac1 = chargingEfficiency('AC', 3.68 - chargingAuxKw('AC', 3.68, 20), 20);
    const ac3 = chargingEfficiency('AC', 11.04 - chargingAuxKw('AC', 11.04, 20), 20);
    const dc = chargingEfficiency('DC', 150 - chargingAuxKw('DC', 150, 20), 20);
    assert.ok(Math.abs(ac1 - 0.86) < 0.01, `AC 1-phase ${ac1}`);
    assert.ok(Math.abs(ac3 - 0.925) < 0.01, `AC 3-phase ${ac3}`);
    assert.ok(Math.abs(dc - 0.943) < 0.01, `DC ${dc}`);
    // The formula: AC 0.955 − 0.32/P − 0.004·(20 − T); lower power and colder packs are worse.
    assert.ok(Math.abs(chargingEfficiency('AC', 10, 20) - (0.955 - 0.032)) < 1e-9);
    assert.ok(Math.abs(chargingEfficiency('AC', 10, 5) - (0.955 - 0.032 - 0.06)) < 1e-9);
    assert.ok(chargingEfficiency('AC', 2, 20) < chargingEfficiency('AC', 7, 20));
    assert.ok(chargingEfficiency('DC', 50, 20) > chargingEfficiency('DC', 200, 20));
    assert.ok(chargingEfficiency('DC', 100, 0) < chargingEfficiency('DC', 100, 25) - 0.07);
  });

  it('supplies AC on 1 or 3 phases limited by wallbox and car, and DC on a curve that tapers above 80 %', () => {
    assert.deepEqual(acSupply(i4, 'AC3', 16, 230, 50), { phases: 3, currentA: 16, gridKw: 11.04 });
    assert.equal(acSupply(i4, 'AC1', 16, 230, 50).gridKw, 3.68);
    assert.equal(acSupply(i4, 'AC3', 32, 230, 50).currentA, 16, 'the on-board charger takes 16 A');
    assert.equal(acSupply(getProfile('330e'), 'AC3', 16, 230, 50).phases, 1, 'a 1-phase car on a 3-phase wallbox');
    assert.equal(acSupply(i4, 'AC3', 10, 230, 50).gridKw, 6.9);
    assert.equal(dcCurve(20), 1);
    assert.ok(dcCurve(90) < 0.6 * dcCurve(70), 'steep taper above 80 %');
    assert.ok(dcCurve(99) < 0.15);
    const warm = dcPowerKw(i4, 300, 20, 25, 120);
    assert.equal(warm, 205, 'the car limits a 300 kW charger to its own 205 kW');
    assert.ok(dcPowerKw(i4, 300, 20, 25, 0) < 0.15 * warm, 'the session ramps up at the very start');
    assert.ok(dcPowerKw(i4, 300, 20, 5, 120) < 0.3 * warm, 'a cold pack takes much less');
    assert.equal(dcPowerKw(i4, 300, 20, 20, 120), warm, 'full power from 20 °C');
  });

  it('conserves energy: battery gain = (grid − aux) × η, and a charge stops at the target', () => {
    const run = runVehicle('i4-edrive40', [{ plugIn: { type: 'AC3', currentA: 16, targetSoc: 80 } }, { charge: {} }], {
      startSoc: 30,
    });
    const model = run.vehicle.model;
    const before = model.energyKwh;
    let maxKw = 0;
    let integral = 0;
    run.until(START + 6 * HOUR, () => {
      // Independently of the model's own sums: Σ (grid − aux) × η over the 1 s steps, from what trueState shows.
      const s = model.trueState();
      integral += ((s.chargingPowerKw - s.auxPowerKw) * (s.efficiency ?? 0)) / 3600;
      maxKw = Math.max(maxKw, s.chargingPowerKw);
    });
    const t = model.totals;
    const gained = model.energyKwh - before;
    assert.ok(Math.abs(integral - gained) < 0.01, `Σ(grid − aux)·η = ${integral} kWh, battery gained ${gained} kWh`);
    assert.ok(Math.abs(gained - t.chargedKwh) < 1e-9);
    assert.ok(Math.abs(t.gridKwh - t.chargingAuxKwh - t.chargingLossKwh - gained) < 1e-6, 'grid − aux − losses = gain');
    const meanEfficiency = gained / (t.gridKwh - t.chargingAuxKwh);
    assert.ok(meanEfficiency > 0.91 && meanEfficiency < 0.935, `mean η ${meanEfficiency}`);
    assert.ok(maxKw > 10.6 && maxKw < 11.4, `3-phase 16 A ≈ 11 kW, got ${maxKw}`);
    assert.equal(model.chargeState, 'ended');
    assert.ok(Math.abs(model.soc - 80) < 1e-9, `stops exactly at the target, got ${model.soc}`);
    const [session] = model.sessions;
    assert.equal(model.sessions.length, 1);
    assert.equal(session.method, 'AC');
    assert.ok(Math.abs(session.energyFromGridKwh - t.gridKwh) < 1e-9);
    assert.ok(Math.abs(session.startSoc - 30) < 1e-9 && Math.abs(session.endSoc - 80) < 1e-9);
    // 50 % of 80.7 kWh at ≈ 10.7 kW net and η ≈ 0.92: about 4.1 h.
    const hours = (session.endMs - session.startMs) / HOUR;
    assert.ok(hours > 3.9 && hours < 4.3, `${hours} h`);
    assert.ok(session.averagePowerKw > 10.6 && session.averagePowerKw < 11.4);
  });

  it('charges a PHEV on one phase at ≈ 3.7 kW with η ≈ 0.86', () => {
    const run = runVehicle('330e', [{ plugIn: { type: 'AC1', targetSoc: 100 } }, { charge: { minutes: 60 } }], {
      startSoc: 10,
    });
    run.until(START + 30 * MINUTE);
    const state = run.vehicle.model.trueState();
    assert.equal(state.charging, true);
    assert.ok(state.chargingPowerKw > 3.5 && state.chargingPowerKw < 3.85, `${state.chargingPowerKw} kW`);
    assert.equal(state.phases, 1);
    assert.ok(Math.abs(state.efficiency! - 0.86) < 0.015, `η ${state.efficiency}`);
    assert.ok(state.auxPowerKw > 0.2 && state.auxPowerKw < 0.3);
  });

  it('charges DC fast, slower above 80 %, and warms the pack', () => {
    const run = runVehicle('i4-edrive40', [{ plugIn: { type: 'DC', maxKw: 300, targetSoc: 100 } }, { charge: {} }], {
      startSoc: 15,
    });
    const model = run.vehicle.model;
    const powerAt = new Map<number, number>();
    run.until(START + 2 * HOUR, () => {
      if (model.charging) powerAt.set(Math.floor(model.soc), model.instant.gridKw);
    });
    assert.ok(powerAt.get(20)! > 190, `full power at 20 %: ${powerAt.get(20)}`);
    assert.ok(powerAt.get(90)! < 0.6 * powerAt.get(75)!, `taper: ${powerAt.get(75)} → ${powerAt.get(90)}`);
    const [session] = model.sessions;
    const minutes = (session.endMs - session.startMs) / MINUTE;
    assert.ok(minutes > 30 && minutes < 60, `15 → 100 % in ${minutes} min`);
    assert.equal(session.method, 'DC');
    assert.ok(model.batteryTempC > 22, `pack at ${model.batteryTempC} °C`);
  });

  it('charges worse in the cold: more aux (heater) and a lower efficiency', () => {
    const warm = runVehicle('i4-edrive40', [{ plugIn: { type: 'AC3', targetSoc: 90 } }, { charge: {} }], {
      startSoc: 20,
    });
    const cold = runVehicle(
      'i4-edrive40',
      [{ temperature: { celsius: -2, batteryCelsius: 0 } }, { plugIn: { type: 'AC3', targetSoc: 90 } }, { charge: {} }],
      { startSoc: 20 },
    );
    warm.until(START + 10 * MINUTE);
    cold.until(START + 10 * MINUTE);
    const w = warm.vehicle.model.trueState();
    const c = cold.vehicle.model.trueState();
    assert.ok(c.auxPowerKw > w.auxPowerKw + 0.5, `the heater runs: aux ${c.auxPowerKw} vs ${w.auxPowerKw}`);
    assert.ok(c.efficiency! < w.efficiency! - 0.05, `η ${c.efficiency} vs ${w.efficiency}`);
    warm.until(START + HOUR);
    cold.until(START + HOUR);
    assert.ok(cold.vehicle.model.soc < warm.vehicle.model.soc - 1, 'the cold car gained less in the same hour');
    assert.ok(cold.vehicle.model.batteryTempC > 3, 'and the heater warmed its pack');
  });

  it('stops delivering at a wallbox stop (the truth), resumes, and closes one session at unplug', () => {
    const run = runVehicle(
      'i4-edrive40',
      [
        { plugIn: { type: 'AC3', targetSoc: 80 } },
        { charge: { minutes: 30 } },
        { wallboxStop: {} },
        { park: { minutes: 40 } },
        { wallboxResume: {} },
        { charge: { minutes: 30 } },
        { unplug: {} },
      ],
      { startSoc: 40 },
    );
    const model = run.vehicle.model;
    run.until(START + 45 * MINUTE);
    assert.equal(model.chargeState, 'paused');
    assert.equal(model.charging, false);
    assert.equal(model.instant.gridKw, 0);
    const pausedSoc = model.soc;
    run.until(START + 65 * MINUTE);
    assert.equal(model.soc, pausedSoc, 'no energy while the wallbox is off');
    run.until(START + 3 * HOUR);
    assert.equal(model.plug, undefined);
    assert.equal(model.sessions.length, 1, 'pause and resume stay one session');
    assert.ok(model.sessions[0].endSoc > pausedSoc);
  });
});
