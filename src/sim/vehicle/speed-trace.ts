/**
 * Speed traces for trips: a sequence of road segments, each with a target speed, driven with limited acceleration
 * and braking so the trace is smooth, plus a slow random wander around the target. City segments end at traffic
 * lights (stop-and-go); suburban ones cruise at 60–100 km/h; highway ones at 100–130 km/h with stretches of 130+.
 */
import { Rng } from './random';

export type TripProfile = 'city' | 'suburban' | 'highway' | 'mixed';
export type RoadKind = Exclude<TripProfile, 'mixed'>;
export const TRIP_PROFILES: readonly TripProfile[] = ['city', 'suburban', 'highway', 'mixed'];

interface RoadParams {
  cruiseKmh: [number, number];
  fastProbability: number;
  fastKmh: [number, number];
  slowProbability: number;
  slowKmh: [number, number];
  segmentM: [number, number];
  stopProbability: number;
  stopS: [number, number];
  accel: number;
  decel: number;
}

const ROADS: Record<RoadKind, RoadParams> = {
  city: {
    cruiseKmh: [28, 55],
    fastProbability: 0,
    fastKmh: [0, 0],
    slowProbability: 0.12,
    slowKmh: [10, 22],
    segmentM: [200, 700],
    stopProbability: 0.5,
    stopS: [5, 35],
    accel: 1.6,
    decel: 2.2,
  },
  suburban: {
    cruiseKmh: [62, 98],
    fastProbability: 0,
    fastKmh: [0, 0],
    slowProbability: 0.15,
    slowKmh: [40, 58],
    segmentM: [600, 3000],
    stopProbability: 0.08,
    stopS: [5, 30],
    accel: 1.3,
    decel: 2.0,
  },
  highway: {
    cruiseKmh: [102, 128],
    fastProbability: 0.2,
    fastKmh: [132, 165],
    slowProbability: 0.1,
    slowKmh: [70, 95],
    segmentM: [2000, 8000],
    stopProbability: 0,
    stopS: [0, 0],
    accel: 1.0,
    decel: 1.5,
  },
};

/** A mixed trip leaves town, takes the highway and comes back through the suburbs into town. */
function roadFor(profile: TripProfile, fraction: number): RoadKind {
  if (profile !== 'mixed') return profile;
  if (fraction < 0.15 || fraction >= 0.9) return 'city';
  if (fraction < 0.35 || fraction >= 0.75) return 'suburban';
  return 'highway';
}

/** Closer than this to a stop line or the destination counts as there. */
const ARRIVED_M = 0.5;

/**
 * The speed from which braking stops the car in `distanceM`, planned at 70 % of the braking the car may use so the
 * 1 s steps can follow the curve to a standstill instead of arriving too fast.
 */
function stopSpeed(distanceM: number, decel: number): number {
  return Math.sqrt(2 * 0.7 * decel * Math.max(0, distanceM - ARRIVED_M));
}

export class SpeedController {
  speedMs = 0;
  travelledM = 0;
  private targetMs = 0;
  private segmentLeftM = 0;
  private stopAfter = false;
  private waitS: number;
  private wanderKmh = 0;
  /**
   * The wander has a stream of its own, drawn once per second of driving: the simulator's steps follow the wall clock
   * and vary in length, and a draw per step would make the same seed drive a different trip from run to run.
   */
  private readonly wanderRng: Rng;
  private wanderDueS = 0;
  private road: RoadKind;

  /** `boardingS`: the car stands while the driver gets in, before it moves. */
  constructor(
    readonly profile: TripProfile,
    readonly distanceM: number,
    private readonly rng: Rng,
    boardingS = 10,
  ) {
    this.wanderRng = new Rng(Math.floor(rng.next() * 2 ** 32));
    this.road = roadFor(profile, 0);
    this.waitS = boardingS;
    this.newSegment();
  }

  get done(): boolean {
    return this.travelledM >= this.distanceM;
  }

  /** Advance `dtS` seconds; returns the distance covered (the speed before and after are `speedMs` around it). */
  step(dtS: number): number {
    const v0 = this.speedMs;
    if (this.waitS > 0) {
      this.waitS -= dtS;
      if (this.waitS <= 0) this.newSegment();
      return 0;
    }
    const p = ROADS[this.road];
    const remaining = this.distanceM - this.travelledM;
    // Uniform steps (sd ≈ 0.35 km/h) are as good as normal ones here and cheaper.
    for (this.wanderDueS -= dtS; this.wanderDueS <= 0; this.wanderDueS += 1) {
      this.wanderKmh = Math.max(-4, Math.min(4, this.wanderKmh * 0.97 + (this.wanderRng.next() - 0.5) * 1.2));
    }
    // Never faster than the speed from which the car can still stop at the trip's end or the next traffic light,
    // counted from where this step will take it: from where it is now, the last step before a stop braked harder
    // than the car may (up to 6 m/s², measured over city trips).
    let target = Math.min(Math.max(2, this.targetMs + this.wanderKmh / 3.6), stopSpeed(remaining - v0 * dtS, p.decel));
    if (this.stopAfter) target = Math.min(target, stopSpeed(this.segmentLeftM - v0 * dtS, p.decel));
    let v1 = v0 < target ? Math.min(target, v0 + p.accel * dtS) : Math.max(target, v0 - p.decel * dtS);
    let distance = ((v0 + v1) / 2) * dtS;
    if (remaining - distance < ARRIVED_M) {
      distance = remaining;
      v1 = 0;
    } else if (this.stopAfter && this.segmentLeftM - distance < ARRIVED_M) {
      distance = Math.max(0, this.segmentLeftM);
      v1 = 0;
      this.waitS = this.rng.range(p.stopS[0], p.stopS[1]);
    }
    this.travelledM += distance;
    this.segmentLeftM -= distance;
    this.speedMs = v1;
    if (!this.stopAfter && this.segmentLeftM <= 0) this.newSegment();
    return distance;
  }

  private newSegment(): void {
    this.road = roadFor(this.profile, this.travelledM / this.distanceM);
    const p = ROADS[this.road];
    const r = this.rng;
    const kmh = r.chance(p.slowProbability)
      ? r.range(p.slowKmh[0], p.slowKmh[1])
      : r.chance(p.fastProbability)
        ? r.range(p.fastKmh[0], p.fastKmh[1])
        : r.range(p.cruiseKmh[0], p.cruiseKmh[1]);
    this.targetMs = kmh / 3.6;
    this.segmentLeftM = r.range(p.segmentM[0], p.segmentM[1]);
    this.stopAfter = r.chance(p.stopProbability);
  }
}
