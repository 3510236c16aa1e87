/**
 * The endless demo loop each car follows when no scenario is given: a town trip, a highway trip, a home AC charge,
 * a suburban trip, a fast DC charge (or a petrol stop for a PHEV), a long park. Phases are short so that at
 * `--speed 60` a newcomer sees a trip within a minute and a charge within a few. Distances and pauses vary per loop
 * and per car (seeded), so a fleet does not move in lockstep.
 */
import type { VehicleProfile } from './profiles';
import type { Rng } from './random';
import type { AtomicStep } from './scenario';

export function* demoSteps(profile: VehicleProfile, rng: Rng): Generator<AtomicStep> {
  const r = (min: number, max: number): number => Math.round(rng.range(min, max));
  yield { park: { minutes: r(1, 12) } };
  const acType = profile.ac.phasesMax === 1 ? 'AC1' : 'AC3';
  const acTarget = profile.powertrain === 'PHEV' ? 100 : 80;
  for (;;) {
    yield { drive: { km: r(8, 16), profile: 'city' } };
    yield { park: { minutes: r(10, 25) } };
    yield { drive: { km: r(30, 60), profile: 'highway' } };
    yield { park: { minutes: r(5, 15) } };
    yield { plugIn: { type: acType, currentA: rng.pick([10, 13, 16, 16, 16]), targetSoc: acTarget } };
    yield { charge: { minutes: 150 } };
    yield { unplug: {} };
    yield { park: { minutes: r(10, 30) } };
    yield { drive: { km: r(15, 35), profile: rng.chance(0.5) ? 'suburban' : 'mixed' } };
    if (profile.dc) {
      yield { plugIn: { type: 'DC', maxKw: rng.pick([50, 150, 300]), targetSoc: 80 } };
      yield { charge: { minutes: 45 } };
      yield { unplug: {} };
    } else if (profile.fuel) {
      yield { refuel: {} };
    }
    yield { park: { minutes: r(20, 60) } };
  }
}
