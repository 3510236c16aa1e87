/**
 * The kilometres Traccar's speed says the car drove since BMW last measured the distance (odometer, position, SOC).
 * BMW uploads every 2–3 min while driving; in between, the prediction would stand still while the battery drains.
 *
 * Each reading of at least 60 km/h stands for its polling window (60 s). A gap between two fast readings at most two
 * windows apart (a poll answered late, or one that failed) is counted at the lower of the two speeds: the car drove
 * on. A slower reading ends the stretch. What was counted stays until BMW measures again, so the prediction does not
 * jump back up when a window runs out, a poll fails or the car slows down. At most 2 min are counted: a longer
 * silence from BMW more likely means a stop than driving on. Below 60 km/h nothing is estimated: in town the car stops
 * and starts between readings a minute apart, so one sampled speed says little about the next minute (measured:
 * estimating from 20 km/h made city trips worse, `npm run bench`).
 */
import { isRecord } from '../json';
import { EXTRAPOLATION_MAX_MS, EXTRAPOLATION_MIN_KMH, SPEED_WINDOW_MS } from './constants';

export interface SpeedEstimate {
  /** BMW's time of the measurement counted from; a newer one starts the count again. */
  from: number;
  /** Counted so far from windows that closed. */
  km: number;
  ms: number;
  /** The last fast reading; its window is counted from `countedUntil` on. */
  fast: { kmh: number; at: number; countedUntil: number } | null;
}

export function emptySpeedEstimate(): SpeedEstimate {
  return { from: 0, km: 0, ms: 0, fast: null };
}

/** Count `kmh` between `start` and `end` (after the measurement, within the 2 min). */
function count(estimate: SpeedEstimate, kmh: number, start: number, end: number): void {
  const ms = Math.min(end - Math.max(start, estimate.from), EXTRAPOLATION_MAX_MS - estimate.ms);
  if (ms <= 0) return;
  estimate.km += (kmh * ms) / 3_600_000;
  estimate.ms += ms;
}

/** BMW measured again at `measuredAt`: what was estimated before is in the measurement now. */
function follow(estimate: SpeedEstimate, measuredAt: number): void {
  if (measuredAt === estimate.from) return;
  estimate.from = measuredAt;
  estimate.km = 0;
  estimate.ms = 0;
}

/** A Traccar reading at `now`, km/h; null when there is none (offline, no fix, stale, not a speed). */
export function addSpeedReading(estimate: SpeedEstimate, kmh: number | null, now: number, measuredAt: number): void {
  follow(estimate, measuredAt);
  const last = estimate.fast;
  if (last) {
    const windowEnd = last.at + SPEED_WINDOW_MS;
    count(estimate, last.kmh, last.countedUntil, Math.min(now, windowEnd));
    last.countedUntil = Math.max(last.countedUntil, Math.min(now, windowEnd));
    if (kmh !== null && kmh >= EXTRAPOLATION_MIN_KMH && now - last.at <= 2 * SPEED_WINDOW_MS) {
      count(estimate, Math.min(last.kmh, kmh), windowEnd, now);
    }
  }
  // No reading keeps the last fast one for a gap to be counted; a slow one ends the stretch.
  if (kmh === null) return;
  estimate.fast = kmh >= EXTRAPOLATION_MIN_KMH ? { kmh, at: now, countedUntil: now } : null;
}

/** The estimated kilometres at `now`, for BMW's last measurement at `measuredAt`. */
export function estimatedKm(estimate: SpeedEstimate, now: number, measuredAt: number): number {
  const current = measuredAt === estimate.from ? { ...estimate } : { ...estimate, km: 0, ms: 0, from: measuredAt };
  const fast = estimate.fast;
  if (fast) count(current, fast.kmh, fast.countedUntil, Math.min(now, fast.at + SPEED_WINDOW_MS));
  return current.km;
}

/** A saved estimate, or an empty one when the saved value is not one (an older or hand-edited state file). */
export function speedEstimateFromJSON(value: unknown): SpeedEstimate {
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (!isRecord(value) || !finite(value.from) || !finite(value.km) || !finite(value.ms)) return emptySpeedEstimate();
  const fast = value.fast;
  const validFast = isRecord(fast) && finite(fast.kmh) && finite(fast.at) && finite(fast.countedUntil);
  return {
    from: value.from,
    km: value.km,
    ms: value.ms,
    fast: validFast
      ? { kmh: fast.kmh as number, at: fast.at as number, countedUntil: fast.countedUntil as number }
      : null,
  };
}
