import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getProfile } from '../../src/sim/vehicle/profiles';
import {
  ScenarioError,
  checkStepsForProfile,
  expandSteps,
  parseScenarioFile,
  parseScenarioSteps,
  parseSteps,
  stepsForVin,
  type ScenarioStep,
} from '../../src/sim/vehicle/scenario';
import { HOUR, MINUTE, START, runVehicle } from './vehicle-helpers';

function error(fn: () => unknown): ScenarioError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ScenarioError, String(err));
    return err;
  }
  return assert.fail('no error');
}

describe('simulated vehicle: scenarios', () => {
  it('parses every step kind', () => {
    const steps = parseSteps([
      { drive: { km: 25, profile: 'highway', roundTrip: false } },
      { park: { minutes: 40 } },
      { plugIn: { type: 'AC3', currentA: 16, targetSoc: 80 } },
      { charge: {} },
      { charge: { minutes: 30, untilSoc: 70 } },
      { wallboxStop: {} },
      { wallboxResume: {} },
      { unplug: {} },
      { temperature: { celsius: 5, batteryCelsius: 8 } },
      { setSoc: { soc: 30 } },
      { refuel: {} },
      { repeat: { times: 3, steps: [{ park: { minutes: 1 } }] } },
    ]);
    assert.equal(steps.length, 12);
    assert.equal([...expandSteps(steps)].length, 14);
  });

  it('names the bad step and field in every error', () => {
    const cases: [unknown, string, RegExp][] = [
      [[{ park: { minutes: 5 } }, { plugIn: { type: 'AC2' } }], 'steps[1].plugIn.type', /one of "AC1", "AC3", "DC"/],
      [[{ drive: {} }], 'steps[0].drive.km', /required/],
      [[{ drive: { km: -3 } }], 'steps[0].drive.km', /above 0/],
      [[{ drive: { km: 5, speed: 3 } }], 'steps[0].drive.speed', /unknown field; drive takes km, profile, roundTrip/],
      [[{ fly: { km: 5 } }], 'steps[0]', /unknown step "fly"/],
      [[{ park: { minutes: 5 }, drive: { km: 1 } }], 'steps[0]', /exactly one/],
      [['park'], 'steps[0]', /must be an object/],
      [[{ setSoc: { soc: 120 } }], 'steps[0].setSoc.soc', /from 0 to 100/],
      [[{ repeat: { times: 0, steps: [] } }], 'steps[0].repeat.times', /whole number/],
      [[{ repeat: { times: 2, steps: [{ park: {} }] } }], 'steps[0].repeat.steps[0].park.minutes', /required/],
      [[{ repeat: { times: 'forever', steps: [{ setSoc: { soc: 50 } }] } }], 'steps[0].repeat', /never let time pass/],
      [{ drive: { km: 1 } }, 'steps', /must be an array/],
    ];
    for (const [input, path, message] of cases) {
      const err = error(() => parseSteps(input));
      assert.equal(err.path, path, JSON.stringify(input));
      assert.match(err.message, message);
      assert.ok(err.message.startsWith(`scenario error at ${path}: `));
    }
  });

  it('reads files as an array, an object with per-VIN steps, or JSON lines', () => {
    const all = parseScenarioFile('[{"park": {"minutes": 1}}]');
    assert.equal(stepsForVin(all, 'WBA00000000000001')!.length, 1);
    const file = parseScenarioFile(
      JSON.stringify({
        description: 'two cars',
        steps: [{ park: { minutes: 1 } }],
        vehicles: { WBA00000000000002: [{ drive: { km: 3 } }, { park: { minutes: 2 } }] },
      }),
    );
    assert.equal(file.description, 'two cars');
    assert.equal(stepsForVin(file, 'WBA00000000000002')!.length, 2);
    assert.equal(stepsForVin(file, 'WBA00000000000003')!.length, 1);
    assert.equal(stepsForVin(parseScenarioFile('{"vehicles": {}}'), 'WBA00000000000003'), undefined);
    const lines = parseScenarioFile('{"drive": {"km": 3}}\n\n{"park": {"minutes": 2}}\n');
    assert.equal(lines.steps!.length, 2);
    assert.equal(error(() => parseScenarioFile('{"drive": {"km": 3}}\n{"park": {"minutes": }}')).path, 'line 2');
    assert.equal(
      error(() => parseScenarioFile('{"drive": {"km": 3}}\n{"park": {"hours": 2}}')).path,
      'line 2.park.hours',
    );
    assert.equal(
      error(() => parseScenarioFile('{"vehicles": {"WBA0000000000000I": []}}')).path,
      'vehicles.WBA0000000000000I',
    );
    assert.equal(error(() => parseScenarioFile('{"cars": []}')).path, 'cars');
    assert.equal(error(() => parseScenarioFile('  ')).path, 'scenario');
    assert.deepEqual(parseScenarioSteps({ steps: [{ unplug: {} }] }), [{ unplug: {} }]);
  });

  it('checks steps against the profile (no DC for the 330e, no fuel for a BEV)', () => {
    const steps: ScenarioStep[] = [
      { park: { minutes: 1 } },
      { repeat: { times: 2, steps: [{ plugIn: { type: 'DC' } }] } },
    ];
    const err = error(() => checkStepsForProfile(steps, getProfile('330e')));
    assert.equal(err.path, 'steps[1].repeat.steps[0].plugIn.type');
    assert.equal(
      error(() => checkStepsForProfile([{ refuel: {} }], getProfile('i4-edrive40'))).path,
      'steps[0].refuel',
    );
    checkStepsForProfile(steps, getProfile('i4-edrive40'));
  });

  it('ships an example scenario that parses and runs to its end', () => {
    const text = readFileSync(join(__dirname, '../../examples/scenarios/commute-and-charge.json'), 'utf8');
    const file = parseScenarioFile(text);
    const runs = [
      runVehicle('330e', file.steps!),
      ...Object.values(file.vehicles).map((steps) => runVehicle('i4-edrive40', steps)),
    ];
    for (const run of runs) {
      run.until(START + 30 * HOUR);
      assert.equal(run.vehicle.scenarioDone, true);
      assert.deepEqual(run.warnings, []);
      assert.ok(run.vehicle.model.sessions.length >= 1);
    }
  });

  it('runs steps in simulated time: a park waits, a charge waits for its target, instant steps chain', () => {
    const run = runVehicle(
      'i4-edrive40',
      [
        { park: { minutes: 30 } },
        { setSoc: { soc: 70 } },
        { plugIn: { type: 'AC3', targetSoc: 75 } },
        { charge: {} },
        { unplug: {} },
        { drive: { km: 5, profile: 'city' } },
        { temperature: { celsius: 5 } },
      ],
      { startSoc: 50 },
    );
    const model = run.vehicle.model;
    run.until(START + 30 * MINUTE - 1000);
    assert.equal(Math.round(model.soc), 50);
    assert.equal(model.plug, undefined);
    run.until(START + 30 * MINUTE);
    assert.equal(Math.round(model.soc), 70, 'setSoc right when the park ends');
    assert.equal(model.chargeState, 'initializing', 'and plugged in the same instant');
    run.until(START + 2 * HOUR);
    assert.ok(Math.abs(model.soc - 75 + (model.lastTrip!.energyKwh / 80.7) * 100) < 1e-9, 'charged to 75, then drove');
    assert.equal(model.plug, undefined);
    assert.equal(model.ambientC, 5);
    assert.equal(run.vehicle.scenarioDone, true);
    assert.deepEqual(run.warnings, []);
  });

  it('ends a charge step after its minutes or at untilSoc, and warns on steps that cannot apply', () => {
    const run = runVehicle(
      'i4-edrive40',
      [
        { charge: { minutes: 10 } },
        { plugIn: { type: 'AC3', targetSoc: 90 } },
        { charge: { untilSoc: 55 } },
        { setSoc: { soc: 20 } },
        { charge: { minutes: 10 } },
        { unplug: {} },
      ],
      { startSoc: 50 },
    );
    const model = run.vehicle.model;
    let socAtFirstReset = -1;
    run.until(START + 2 * HOUR, () => {
      if (socAtFirstReset < 0 && model.soc < 30) socAtFirstReset = model.time!;
    });
    assert.match(run.warnings[0], /^charge: no cable is plugged in/);
    const minutesTo55 = (socAtFirstReset - START) / MINUTE;
    assert.ok(minutesTo55 > 20 && minutesTo55 < 30, `5 points at 11 kW in ${minutesTo55} min`);
    assert.equal(model.plug, undefined);
    assert.ok(model.soc > 21 && model.soc < 23, `10 more minutes from 20 %: ${model.soc}`);
  });

  it('loops forever with repeat', () => {
    const run = runVehicle('i4-edrive40', [
      { repeat: { times: 'forever', steps: [{ drive: { km: 2, profile: 'city' } }, { park: { minutes: 5 } }] } },
    ]);
    let trips = 0;
    run.until(START + 3 * HOUR, () => {
      if (run.vehicle.model.lastTrip && run.vehicle.model.lastTrip.endMs === run.vehicle.model.time) trips++;
    });
    assert.ok(trips > 10, `${trips} trips`);
    assert.equal(run.vehicle.scenarioDone, false);
  });
});
