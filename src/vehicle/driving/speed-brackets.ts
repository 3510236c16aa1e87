/**
 * Speed brackets of the driving consumption learning (reference/algorithms.md §4.11). Lower bound inclusive, upper
 * exclusive. A speed that is not a finite, non-negative number has no bracket: the reference let a negative or NaN
 * speed fall through to the fastest bracket (§12.4 #27), which billed a broken tracker as motorway driving.
 */

export const SPEED_BRACKETS = ['traffic_jam', 'city', 'suburban', 'highway', 'fast_highway'] as const;

export type SpeedBracket = (typeof SPEED_BRACKETS)[number];

/** Lower bounds in km/h, in the order of SPEED_BRACKETS. */
const LOWER_BOUNDS: Record<SpeedBracket, number> = {
  traffic_jam: 0,
  city: 20,
  suburban: 60,
  highway: 100,
  fast_highway: 130,
};

/** The bracket of a speed in km/h; null for a speed that is not a usable reading. */
export function speedBracket(speedKmh: number | null | undefined): SpeedBracket | null {
  if (typeof speedKmh !== 'number' || !Number.isFinite(speedKmh) || speedKmh < 0) return null;
  let found: SpeedBracket = 'traffic_jam';
  for (const bracket of SPEED_BRACKETS) if (speedKmh >= LOWER_BOUNDS[bracket]) found = bracket;
  return found;
}

export function isSpeedBracket(value: unknown): value is SpeedBracket {
  return typeof value === 'string' && (SPEED_BRACKETS as readonly string[]).includes(value);
}
