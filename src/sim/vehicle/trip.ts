/**
 * One trip: its speed trace, its route and the true energy it used, split by the speed brackets the driving
 * prediction learns (algorithms.md §4.11), so a benchmark can compare learned and true consumption per bracket.
 */
import { Route, type Fix, type GeoPoint } from './route';
import type { Rng } from './random';
import { SpeedController, type TripProfile } from './speed-trace';

export const SPEED_BRACKETS = ['traffic_jam', 'city', 'suburban', 'highway', 'fast_highway'] as const;
export type SpeedBracket = (typeof SPEED_BRACKETS)[number];

/** Bracket by speed in km/h, lower bound inclusive: [0,20) [20,60) [60,100) [100,130) [130,∞). */
export function bracketIndex(kmh: number): number {
  if (kmh < 20) return 0;
  if (kmh < 60) return 1;
  if (kmh < 100) return 2;
  if (kmh < 130) return 3;
  return 4;
}

export interface BracketTruth {
  km: number;
  /** Battery energy used in the bracket (kWh), aux included. */
  kwh: number;
  /** Petrol used in the bracket (PHEV engine mode). */
  litres: number;
  seconds: number;
}

export interface TripTruth {
  profile: TripProfile;
  startMs: number;
  endMs?: number;
  distanceKm: number;
  energyKwh: number;
  fuelLitres: number;
  startSoc: number;
  endSoc?: number;
  byBracket: Record<SpeedBracket, BracketTruth>;
}

export class Trip {
  readonly controller: SpeedController;
  readonly route: Route;
  readonly truth: TripTruth;
  private readonly brackets: BracketTruth[];
  private fix: Fix;
  private fixAtM = 0;

  constructor(
    profile: TripProfile,
    km: number,
    roundTrip: boolean,
    origin: GeoPoint,
    rng: Rng,
    startMs: number,
    startSoc: number,
  ) {
    const lengthM = km * 1000;
    this.controller = new SpeedController(profile, lengthM, rng);
    this.route = roundTrip ? Route.roundTrip(origin, lengthM, rng) : Route.oneWay(origin, lengthM, rng);
    this.fix = this.route.at(0);
    this.brackets = SPEED_BRACKETS.map(() => ({ km: 0, kwh: 0, litres: 0, seconds: 0 }));
    const byBracket = Object.fromEntries(SPEED_BRACKETS.map((name, i) => [name, this.brackets[i]]));
    this.truth = {
      profile,
      startMs,
      distanceKm: 0,
      energyKwh: 0,
      fuelLitres: 0,
      startSoc,
      byBracket: byBracket as Record<SpeedBracket, BracketTruth>,
    };
  }

  get done(): boolean {
    return this.controller.done;
  }

  /** Distance covered in the next `dtS` seconds (m). */
  advance(dtS: number): number {
    return this.controller.step(dtS);
  }

  get speedMs(): number {
    return this.controller.speedMs;
  }

  /** Where the car is on the route; computed when asked, since most steps nobody asks. */
  position(): Fix {
    const travelled = this.controller.travelledM;
    if (travelled !== this.fixAtM) {
      this.fix = this.route.at(travelled);
      this.fixAtM = travelled;
    }
    return this.fix;
  }

  record(speedKmh: number, distanceM: number, kwh: number, litres: number, dtS: number): void {
    const b = this.brackets[bracketIndex(speedKmh)];
    b.km += distanceM / 1000;
    b.kwh += kwh;
    b.litres += litres;
    b.seconds += dtS;
    this.truth.distanceKm += distanceM / 1000;
    this.truth.energyKwh += kwh;
    this.truth.fuelLitres += litres;
  }
}
