/**
 * What a VIN has learned about its driving consumption (reference/algorithms.md §4.5, §4.7, §4.11): one global
 * rate, one per calendar month and one per speed bracket, each an average whose rate adapts to how much it has
 * seen. Serialised in the reference's shape (snake_case), so a user who knows the integration recognises it.
 */
import { LEARNING_RATE_FLOOR, MAX_CONSUMPTION, MIN_CONSUMPTION, REFERENCE_TRIP_KM } from './constants';
import { SPEED_BRACKETS, isSpeedBracket, type SpeedBracket } from './speed-brackets';
import { isRecord } from '../json';

export interface LearnedRate {
  kwhPerKm: number;
  tripCount: number;
}

export interface LearnedConsumption extends LearnedRate {
  /** By calendar month, "1"–"12" (UTC). */
  monthly: Record<string, LearnedRate>;
  speedBuckets: Partial<Record<SpeedBracket, LearnedRate>>;
}

export type ConsumptionSource = 'speed_bucket' | 'monthly' | 'learned' | 'model_default';

export interface ConsumptionLookup {
  kwhPerKm: number;
  source: ConsumptionSource;
}

/** Kilometres and the energy we billed for them, per bracket (`none`: no Traccar speed), over a whole trip. */
export type DrivenByBracket = Partial<Record<SpeedBracket | 'none', { km: number; kwh: number }>>;

/** One change learning made, for the `learning_updated` event. */
export interface ConsumptionUpdate {
  /** null for the global rate. */
  bracket: SpeedBracket | null;
  kwhPerKm: number;
  samples: number;
}

export function learningRate(samples: number): number {
  return Math.max(LEARNING_RATE_FLOOR, 1 / (samples + 1));
}

function blend(rate: LearnedRate, measured: number, weight: number): void {
  const r = learningRate(rate.tripCount) * weight;
  rate.kwhPerKm = rate.kwhPerKm * (1 - r) + measured * r;
  rate.tripCount += 1;
}

export function plausibleConsumption(kwhPerKm: number): boolean {
  return Number.isFinite(kwhPerKm) && kwhPerKm >= MIN_CONSUMPTION && kwhPerKm <= MAX_CONSUMPTION;
}

export function lookupConsumption(
  learned: LearnedConsumption | null,
  month: number,
  modelDefault: number,
): ConsumptionLookup {
  if (!learned || learned.tripCount <= 0) return { kwhPerKm: modelDefault, source: 'model_default' };
  const bucket = learned.monthly[String(month)];
  if (bucket && bucket.tripCount > 0) return { kwhPerKm: bucket.kwhPerKm, source: 'monthly' };
  return { kwhPerKm: learned.kwhPerKm, source: 'learned' };
}

export function lookupBracket(
  learned: LearnedConsumption | null,
  bracket: SpeedBracket,
  month: number,
  modelDefault: number,
): ConsumptionLookup {
  const bucket = learned?.speedBuckets[bracket];
  if (bucket && bucket.tripCount > 0) return { kwhPerKm: bucket.kwhPerKm, source: 'speed_bucket' };
  return lookupConsumption(learned, month, modelDefault);
}

/**
 * Learn from one trip that passed validation. `driven` splits it by speed bracket: the reference credited the whole
 * trip to the bracket with the most kilometres (§12.4 #30); here every bracket gets the share of the measurement
 * its kilometres explain — the energy we billed to it, scaled by how far the whole trip's bill was off — weighted by
 * its own distance. A trip in one bracket learns exactly as the reference did.
 */
export function learnTrip(
  learned: LearnedConsumption | null,
  trip: { distanceKm: number; measured: number; month: number; driven: DrivenByBracket },
  modelDefault: number,
): { learned: LearnedConsumption; updates: ConsumptionUpdate[] } {
  const record: LearnedConsumption = learned ?? {
    kwhPerKm: modelDefault,
    tripCount: 0,
    monthly: {},
    speedBuckets: {},
  };
  const weight = Math.min(trip.distanceKm / REFERENCE_TRIP_KM, 1);
  blend(record, trip.measured, weight);
  const monthKey = String(trip.month);
  // A month's first trip starts from the global rate just updated, as the reference does.
  const month = (record.monthly[monthKey] ??= { kwhPerKm: record.kwhPerKm, tripCount: 0 });
  blend(month, trip.measured, weight);
  const updates: ConsumptionUpdate[] = [{ bracket: null, kwhPerKm: record.kwhPerKm, samples: record.tripCount }];

  const billed = Object.values(trip.driven).reduce((sum, part) => sum + (part?.kwh ?? 0), 0);
  const billedKm = Object.values(trip.driven).reduce((sum, part) => sum + (part?.km ?? 0), 0);
  if (!(billed > 0) || !(billedKm > 0)) return { learned: record, updates };
  // Measured energy over the kilometres we billed (the trip distance may differ a little from the billed one).
  const scale = (trip.measured * billedKm) / billed;
  for (const bracket of SPEED_BRACKETS) {
    const part = trip.driven[bracket];
    if (!part || !(part.km > 0)) continue;
    const measured = (part.kwh / part.km) * scale;
    if (!plausibleConsumption(measured)) continue;
    const bucket = (record.speedBuckets[bracket] ??= { kwhPerKm: measured, tripCount: 0 });
    blend(bucket, measured, Math.min(part.km / REFERENCE_TRIP_KM, 1));
    updates.push({ bracket, kwhPerKm: bucket.kwhPerKm, samples: bucket.tripCount });
  }
  return { learned: record, updates };
}

function rateFromJSON(raw: unknown): LearnedRate | null {
  if (!isRecord(raw)) return null;
  const kwhPerKm = raw.kwh_per_km;
  const tripCount = raw.trip_count ?? 0;
  if (typeof kwhPerKm !== 'number' || !Number.isFinite(kwhPerKm) || kwhPerKm <= 0) return null;
  if (typeof tripCount !== 'number' || !Number.isFinite(tripCount) || tripCount < 0) return null;
  return { kwhPerKm, tripCount: Math.floor(tripCount) };
}

const rateToJSON = (rate: LearnedRate) => ({ kwh_per_km: rate.kwhPerKm, trip_count: rate.tripCount });

/** The reference's persisted shape; entries that are not a rate are dropped, as the reference does on load. */
export function consumptionFromJSON(raw: unknown): LearnedConsumption | null {
  const global = rateFromJSON(raw);
  if (!global || !isRecord(raw)) return null;
  const monthly: Record<string, LearnedRate> = {};
  if (isRecord(raw.monthly)) {
    for (const [month, value] of Object.entries(raw.monthly)) {
      const rate = rateFromJSON(value);
      if (rate && /^(?:[1-9]|1[0-2])$/.test(month)) monthly[month] = rate;
    }
  }
  const speedBuckets: LearnedConsumption['speedBuckets'] = {};
  if (isRecord(raw.speed_buckets)) {
    for (const [bracket, value] of Object.entries(raw.speed_buckets)) {
      const rate = rateFromJSON(value);
      if (rate && isSpeedBracket(bracket)) speedBuckets[bracket] = rate;
    }
  }
  return { ...global, monthly, speedBuckets };
}

export function consumptionToJSON(learned: LearnedConsumption): Record<string, unknown> {
  return {
    ...rateToJSON(learned),
    monthly: Object.fromEntries(Object.entries(learned.monthly).map(([m, r]) => [m, rateToJSON(r)])),
    speed_buckets: Object.fromEntries(Object.entries(learned.speedBuckets).map(([b, r]) => [b, rateToJSON(r)])),
  };
}
