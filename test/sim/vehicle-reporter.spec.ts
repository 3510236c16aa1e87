import assert from 'node:assert/strict';
import type { StreamMessage } from '../../src/cardata/wire';
import { D } from '../../src/sim/vehicle/descriptors';
import { HOUR, MINUTE, START, VIN, runVehicle, values, type Run } from './vehicle-helpers';

const commute = [
  { drive: { km: 30, profile: 'mixed' } },
  { park: { minutes: 10 } },
  { plugIn: { type: 'AC3', currentA: 16, targetSoc: 80 } },
  { charge: {} },
  { park: { minutes: 20 } },
  { unplug: {} },
];

/** Messages less than 1 s apart form one burst. */
function bursts(messages: StreamMessage[]): StreamMessage[][] {
  const out: StreamMessage[][] = [];
  let last = -Infinity;
  for (const m of messages) {
    const t = Date.parse(m.timestamp);
    if (t - last >= 1000) out.push([]);
    out[out.length - 1].push(m);
    last = t;
  }
  return out;
}

function realisticCommute(seed = 42): Run {
  const run = runVehicle('i4-edrive40', commute, { startSoc: 40, seed });
  run.until(START + 6 * HOUR);
  return run;
}

describe('simulated vehicle: BMW-style reporting', () => {
  const run = realisticCommute();
  const { messages } = run;
  const model = run.vehicle.model;

  it('publishes BMW-shaped messages with integer SOC and per-descriptor timestamps no newer than the message', () => {
    assert.ok(messages.length > 50);
    let older = 0;
    for (const m of messages) {
      assert.equal(m.vin, VIN);
      assert.equal(m.topic, VIN);
      assert.equal(m.entityId, 'aa111192-d570-4d3d-8835-656ee00edcd7');
      assert.match(m.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      for (const value of Object.values(m.data)) {
        assert.match(value.timestamp!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        assert.ok(value.timestamp! <= m.timestamp, 'measured before sent');
        if (Date.parse(m.timestamp) - Date.parse(value.timestamp!) >= 1000) older++;
      }
    }
    assert.ok(older > messages.length / 4, 'descriptor timestamps are often older than the message');
    const socs = values(messages, D.soc);
    assert.ok(socs.length >= 5);
    for (const s of socs) assert.ok(Number.isInteger(s.value));
    const withUnit = messages.find((m) => D.soc in m.data)!;
    assert.equal(withUnit.data[D.soc].unit, 'percent');
    assert.equal(values(messages, D.socDisplayed).length, 0, 'a pre-Neue-Klasse car sends the header');
  });

  it('sends sparse bursts: 1–3 descriptors per message, several messages within a second, repeated values', () => {
    const groups = bursts(messages);
    for (const m of messages) assert.ok(Object.keys(m.data).length <= 3, JSON.stringify(m.data));
    const big = groups.filter((g) => g.length >= 3);
    assert.ok(big.length >= groups.length / 3, `${big.length} of ${groups.length} bursts have 3+ messages`);
    assert.ok(Math.max(...groups.map((g) => g.length)) <= 10);
    const repeated = groups.some((g) => {
      const seen = g.flatMap((m) => Object.entries(m.data).map(([k, v]) => `${k}=${JSON.stringify(v.value)}`));
      return new Set(seen).size < seen.length;
    });
    assert.ok(repeated, 'the same value comes twice in a burst');
  });

  it('reports GPS every 2–3 min while driving, latitude with heading, longitude in a separate message', () => {
    const trip = model.lastTrip!;
    const during = messages.filter((m) => Date.parse(m.timestamp) <= trip.endMs! - 10_000);
    const lats = values(during, D.latitude).filter((v, i, all) => i === 0 || v.at - all[i - 1].at > 5000);
    const gaps = lats.slice(1).map((v, i) => (v.at - lats[i].at) / 1000);
    assert.ok(gaps.length >= 5, `${gaps.length} GPS uploads in a ${trip.distanceKm} km trip`);
    for (const g of gaps) assert.ok(g >= 100 && g <= 200, `gap ${g} s`);
    for (const m of messages) {
      if (D.latitude in m.data) assert.ok(D.heading in m.data, 'heading travels with latitude');
      assert.ok(!(D.latitude in m.data && D.longitude in m.data), 'never both in one message');
    }
    const latAt = values(messages, D.latitude).map((v) => v.at);
    const lonAt = values(messages, D.longitude).map((v) => v.at);
    const apart = lonAt.map((t) => t - Math.max(...latAt.filter((l) => l <= t)));
    assert.ok(
      apart.some((d) => d >= 2000 && d <= 26_000),
      'longitude seconds after latitude',
    );
    const odo = values(messages, D.odometer).map((v) => v.value as number);
    assert.ok(odo.length >= 5 && odo[odo.length - 1] - odo[0] >= 28, `odometer ${odo[0]} → ${odo[odo.length - 1]}`);
    for (let i = 1; i < odo.length; i++) assert.ok(odo[i] >= odo[i - 1]);
    assert.equal(messages.find((m) => D.odometer in m.data)!.data[D.odometer].unit, 'km');
  });

  it('reports motion and the door lock, with door status and position bundled at the trip end', () => {
    const moving = values(messages, D.isMoving).map((v) => v.value);
    assert.ok(moving.includes('ASN_isTrue') && moving.includes('ASN_isFalse'), 'the i4 says ASN_isTrue/ASN_isFalse');
    const doors = values(messages, D.doorStatus).map((v) => v.value);
    assert.deepEqual([...new Set(doors)].slice(0, 2), ['UNLOCKED', 'LOCKED']);
    const end = model.lastTrip!.endMs!;
    const arrival = bursts(messages).find((g) => Date.parse(g[0].timestamp) >= end)!;
    const keys = new Set(arrival.flatMap((m) => Object.keys(m.data)));
    assert.ok(keys.has(D.doorStatus) && (keys.has(D.latitude) || keys.has(D.longitude)), [...keys].join(', '));
    assert.ok(keys.has(D.tripEndSoc) && keys.has(D.odometer));
  });

  it('reports plugging in with a new plugEventId and the charge as status, power bursts and sparse SOC', () => {
    const changes = (d: string): unknown[] =>
      values(messages, d)
        .map((v) => v.value)
        .filter((v, i, all) => i === 0 || v !== all[i - 1]);
    assert.deepEqual(changes(D.isPlugged), [true, false]);
    assert.deepEqual(changes(D.portStatus), ['CONNECTED', 'DISCONNECTED']);
    const before = runVehicle('i4-edrive40', commute, { startSoc: 40 }).vehicle.reporter.reported.get(D.plugEventId)!;
    assert.equal(values(messages, D.plugEventId)[0].value, (before.value as number) + 1, 'a new plug-in event id');
    const status = values(messages, D.chargingStatus).map((v) => v.value);
    assert.deepEqual(status.slice(0, 2), ['INITIALIZATION', 'CHARGINGACTIVE']);
    assert.equal(status[status.length - 1], 'NOCHARGING');
    const power = values(messages, D.power);
    assert.equal(messages.find((m) => D.power in m.data)!.data[D.power].unit, 'W');
    const readings = power.filter((p) => (p.value as number) > 0);
    assert.ok(readings.every((p) => (p.value as number) > 10_000 && (p.value as number) < 11_500));
    // Bursts of 2–3 min, then 50+ min of silence.
    const gaps = readings.slice(1).map((p, i) => (p.at - readings[i].at) / MINUTE);
    assert.ok(
      gaps.some((g) => g >= 50),
      `silence between power bursts: ${gaps.map((g) => g.toFixed(1)).join(' ')}`,
    );
    assert.ok(gaps.every((g) => g < 2.5 || (g >= 48 && g < 65)));
    const voltage = values(messages, D.acVoltage).map((v) => v.value as number);
    assert.ok(
      voltage.length >= 3 && voltage.every((v) => v > 215 && v < 245 && Math.abs(v * 10 - Math.round(v * 10)) < 1e-9),
    );
    assert.ok(new Set(voltage).size > 1, 'the grid voltage wanders');
    assert.ok(values(messages, D.acAmpere).every((v) => v.value === 16));
    const socWhileCharging = values(messages, D.soc).filter(
      (s) => s.at > model.sessions[0].startMs + 60_000 && s.at < model.sessions[0].endMs,
    );
    const distinct = [...new Set(socWhileCharging.map((s) => s.value as number))];
    for (let i = 1; i < distinct.length; i++)
      assert.ok(distinct[i] - distinct[i - 1] >= 3, `SOC ${distinct.join(',')}`);
  });

  it('sometimes sends phaseNumber after voltage and current, and resets it to 1-PHASES after the charge', () => {
    const phases = values(messages, D.phaseNumber);
    assert.ok(phases.some((p) => p.value === '3-PHASES'));
    const session = model.sessions[0];
    const after = phases.filter((p) => p.at > session.endMs);
    assert.deepEqual(
      after.map((p) => p.value),
      after.map(() => '1-PHASES'),
    );
    assert.ok(after.length > 0 || run.vehicle.reporter.reported.get(D.phaseNumber)!.value === '1-PHASES');
    let late = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = realisticCommute(seed);
      for (const v of values(r.messages, D.acVoltage)) {
        const next = values(r.messages, D.phaseNumber).find((p) => p.at >= v.at);
        const sameMessage = r.messages.some(
          (m) => D.acVoltage in m.data && D.phaseNumber in m.data && Date.parse(m.timestamp) === v.at,
        );
        if (next && !sameMessage && next.at > v.at) late++;
      }
    }
    assert.ok(late > 0, 'phaseNumber arrives after voltage in some bursts');
  });

  it('does not count a re-plug within 90 s as a new plug event', () => {
    const replug = runVehicle('i4-edrive40', [
      { plugIn: { type: 'AC3' } },
      { park: { minutes: 5 } },
      { unplug: {} },
      { park: { minutes: 1 } },
      { plugIn: { type: 'AC3' } },
      { park: { minutes: 5 } },
      { unplug: {} },
      { park: { minutes: 3 } },
      { plugIn: { type: 'AC3' } },
    ]);
    const first = replug.vehicle.model.plugEventId;
    replug.until(START + 20 * MINUTE);
    assert.equal(replug.vehicle.model.plugEventId, first + 1);
  });

  it('keeps BMW backend values for REST, including charging.level which is never streamed', () => {
    const charging = runVehicle('i4-edrive40', [{ plugIn: { type: 'AC3', targetSoc: 80 } }, { charge: {} }], {
      startSoc: 50,
    });
    charging.until(START + HOUR);
    const reported = charging.vehicle.reporter.reported;
    const truth = charging.vehicle.model.soc;
    assert.equal(reported.get(D.chargingLevel)!.value, Math.floor(truth));
    assert.equal(reported.get(D.soc)!.value, Math.round(truth), 'REST has the current integer SOC');
    assert.equal(reported.get(D.chargingStatus)!.value, 'CHARGINGACTIVE');
    assert.equal(reported.get(D.targetSoc)!.value, 80);
    assert.ok((reported.get(D.timeRemaining)!.value as number) > 60);
    assert.equal(reported.get(D.maxEnergy)!.value, 80.7);
    assert.equal(values(charging.messages, D.chargingLevel).length, 0, 'charging.level is REST only');
  });

  it('sometimes never streams a charge end, which REST still shows', () => {
    const run = runVehicle('i4-edrive40', [{ plugIn: { type: 'AC3', targetSoc: 60 } }, { charge: {} }], {
      startSoc: 50,
      quirks: { chargeEndNotStreamedProbability: 1 },
    });
    run.until(START + 3 * HOUR);
    assert.equal(run.vehicle.model.chargeState, 'ended');
    assert.ok(!values(run.messages, D.chargingStatus).some((v) => v.value === 'CHARGINGENDED'));
    assert.equal(run.vehicle.reporter.reported.get(D.chargingStatus)!.value, 'CHARGINGENDED');
    assert.equal(run.vehicle.reporter.reported.get(D.hvStatus)!.value, 'FINISHED_FULLY_CHARGED');
  });

  it('keeps saying CHARGINGACTIVE with stale power for a while after the wallbox stops', () => {
    const run = runVehicle(
      'i4-edrive40',
      [
        { plugIn: { type: 'AC3', targetSoc: 90 } },
        { charge: { minutes: 20 } },
        { wallboxStop: {} },
        { park: { minutes: 120 } },
      ],
      { startSoc: 40, quirks: { externalStopLagS: [900, 900] } },
    );
    run.until(START + 20 * MINUTE + 10 * 60_000);
    const reported = run.vehicle.reporter.reported;
    assert.equal(run.vehicle.model.charging, false, 'the truth: no current');
    assert.equal(reported.get(D.chargingStatus)!.value, 'CHARGINGACTIVE', 'REST still says charging');
    assert.ok((reported.get(D.power)!.value as number) > 10_000, 'with the last power');
    run.until(START + 20 * MINUTE + 16 * 60_000);
    assert.equal(reported.get(D.chargingStatus)!.value, 'CHARGINGPAUSED');
    const paused = values(run.messages, D.chargingStatus).find((v) => v.value === 'CHARGINGPAUSED')!;
    assert.ok(paused.at - (START + 20 * MINUTE) >= 15 * MINUTE, 'the stream learned it only after the lag');
  });

  it('follows each profile: booleans or no isMoving, no power for cars without it, displayed SOC for Neue Klasse', () => {
    const ix1 = runVehicle('ix1-xdrive30', commute, { startSoc: 40 });
    ix1.until(START + 5 * HOUR);
    assert.ok(values(ix1.messages, D.isMoving).every((v) => typeof v.value === 'boolean'));
    assert.ok(values(ix1.messages, D.isMoving).length > 0);
    const mini = runVehicle('mini-cooper-se', commute, { startSoc: 40 });
    mini.until(START + 5 * HOUR);
    assert.equal(values(mini.messages, D.isMoving).length, 0);
    const miniCharge = mini.vehicle.model.sessions[0];
    assert.equal(
      values(mini.messages, D.soc).filter((s) => s.at > miniCharge.startMs && s.at < miniCharge.endMs).length,
      0,
      'no SOC while charging',
    );
    const bare = runVehicle('ix2-edrive20-nopower', commute, { startSoc: 40 });
    bare.until(START + 5 * HOUR);
    for (const d of [D.power, D.acVoltage, D.acAmpere, D.phaseNumber, D.auxPower]) {
      assert.equal(values(bare.messages, d).length, 0, d);
    }
    assert.ok(values(bare.messages, D.chargingStatus).some((v) => v.value === 'CHARGINGACTIVE'));
    assert.ok(values(bare.messages, D.soc).length > 3);
    const nk = runVehicle('ix3-neue-klasse', commute, { startSoc: 40 });
    nk.until(START + 6 * HOUR);
    assert.equal(values(nk.messages, D.soc).length, 0);
    assert.equal(nk.vehicle.reporter.reported.has(D.soc), false);
    assert.equal(nk.vehicle.reporter.reported.has(D.chargingLevel), false);
    assert.ok(values(nk.messages, D.socDisplayed).length > 0);
    assert.equal(nk.vehicle.reporter.reported.get(D.socDisplayed)!.value, Math.round(nk.vehicle.model.soc));
  });

  it('reports promptly and completely with clean quirks, from the same physics', () => {
    const clean = runVehicle('i4-edrive40', commute, { startSoc: 40, quirks: 'clean' });
    clean.until(START + 6 * HOUR);
    assert.equal(clean.vehicle.model.soc, model.soc, 'the reporter does not change the truth');
    assert.deepEqual(clean.vehicle.model.lastTrip, model.lastTrip);
    for (const m of clean.messages) {
      if (D.latitude in m.data) assert.ok(D.longitude in m.data, 'clean: latitude and longitude together');
      for (const v of Object.values(m.data)) {
        assert.ok(Date.parse(m.timestamp) - Date.parse(v.timestamp!) < 2000, 'clean: measured when sent');
      }
    }
    assert.ok(
      bursts(clean.messages).every((b) => b.length === 1),
      'clean: one message per upload',
    );
    const power = values(clean.messages, D.power).filter((p) => (p.value as number) > 0);
    const gaps = power.slice(1).map((p, i) => (p.at - power[i].at) / 1000);
    assert.ok(
      gaps.every((g) => g <= 61),
      'power every minute',
    );
    const socs = values(clean.messages, D.soc).map((s) => s.value as number);
    const session = clean.vehicle.model.sessions[0];
    const during = values(clean.messages, D.soc).filter(
      (s) => s.at >= session.startMs && s.at <= session.endMs + 10_000,
    );
    assert.ok(during.length >= 39, `every point while charging 40 → 80: ${during.length}`);
    assert.equal(socs[socs.length - 1], 80);
    assert.ok(values(clean.messages, D.chargingStatus).some((v) => v.value === 'CHARGINGENDED'));
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const again = realisticCommute(42);
    assert.deepEqual(again.messages, messages);
    const other = realisticCommute(43);
    assert.notDeepEqual(other.messages, messages);
  });
});
