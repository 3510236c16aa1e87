/**
 * The driving the magic-SOC benchmark simulates: one car per scenario, two trips a day for many days, so learning has
 * trips to learn from. Every morning the car stands at 90 % (a `setSoc` step standing in for the overnight charge,
 * which this benchmark does not measure), waits half an hour, drives to work, parks for the day and drives home.
 *
 * The cars run the simulator's profiles and trip profiles unchanged (speed traces, consumption that depends on speed,
 * aux, stops), with BMW's realistic reporting; nothing here is tuned to the prediction. Trip lengths vary (seeded)
 * so no two trips are the same, and every trip is long enough to learn from (≥ 5 km, ≥ 2 SOC points).
 */
import type { ProfileName } from '../sim/vehicle/profiles';
import { Rng, deriveSeed } from '../sim/vehicle/random';
import type { ScenarioStep } from '../sim/vehicle/scenario';
import type { TripProfile } from '../sim/vehicle/speed-trace';

export interface DrivingBenchSize {
  quick: boolean;
  /** Days driven per scenario; two trips a day. */
  days: number;
}

export const FULL_DRIVING_SIZE: DrivingBenchSize = { quick: false, days: 12 };
export const QUICK_DRIVING_SIZE: DrivingBenchSize = { quick: true, days: 2 };

/** One kind of trip: its trip profile and its length range in km. */
export interface TripKind {
  profile: TripProfile;
  km: [number, number];
}

export interface DrivingScenario {
  id: string;
  /** What is driven, as the table shows it. */
  title: string;
  profile: ProfileName;
  /** The node's `model` setting, as basicData gives it. */
  model: string;
  seed: number;
  /** The trips of day `day` (0-based): both trips of a day are of one kind. */
  tripOfDay: (day: number) => TripKind;
}

/** Stop-and-go in town: 28–55 km/h between traffic lights, where acceleration and standing cost the most per km. */
export const CITY: TripKind = { profile: 'city', km: [15, 22] };
/** Motorway at 100–130 km/h with stretches above 130, where air drag costs the most per km. */
export const HIGHWAY: TripKind = { profile: 'highway', km: [40, 60] };
/** Town, suburbs, motorway, suburbs, town in one trip (the simulator's `mixed` trip profile). */
export const COMMUTE: TripKind = { profile: 'mixed', km: [30, 45] };

/** The morning SOC: the overnight charge's target. */
export const MORNING_SOC = 90;

export function drivingScenarios(size: DrivingBenchSize): DrivingScenario[] {
  // Quick runs keep the trips short enough to be quick and long enough to learn.
  const kind = (k: TripKind): TripKind => (size.quick ? { ...k, km: [k.km[0], k.km[0]] } : k);
  const i4 = { profile: 'i4-edrive40', model: 'i4 eDrive40' } as const;
  return [
    { id: 'city', title: 'city trips', ...i4, seed: 301, tripOfDay: () => kind(CITY) },
    { id: 'highway', title: 'highway trips', ...i4, seed: 302, tripOfDay: () => kind(HIGHWAY) },
    {
      id: 'alternating',
      title: 'city and highway days, alternating',
      ...i4,
      seed: 303,
      tripOfDay: (day) => kind(day % 2 === 0 ? CITY : HIGHWAY),
    },
    { id: 'commute', title: 'town–highway–town trips', ...i4, seed: 304, tripOfDay: () => kind(COMMUTE) },
  ];
}

function tripKm(seed: number, day: number, leg: number, kind: TripKind): number {
  const rng = new Rng(deriveSeed(seed, `trip-${day}-${leg}`));
  return Math.round(rng.range(kind.km[0], kind.km[1]) * 10) / 10;
}

/** The scenario's steps: every day charged to the morning SOC, a trip to work, 9 h parked, a trip home, the night. */
export function scenarioSteps(scenario: DrivingScenario, size: DrivingBenchSize): ScenarioStep[] {
  const steps: ScenarioStep[] = [];
  for (let day = 0; day < size.days; day++) {
    const kind = scenario.tripOfDay(day);
    const drive = (leg: number): ScenarioStep => ({
      drive: { km: tripKm(scenario.seed, day, leg, kind), profile: kind.profile, roundTrip: false },
    });
    steps.push(
      { setSoc: { soc: MORNING_SOC } },
      { park: { minutes: 30 } },
      drive(0),
      { park: { minutes: 9 * 60 } },
      drive(1),
      { park: { minutes: 12 * 60 } },
    );
  }
  return steps;
}
