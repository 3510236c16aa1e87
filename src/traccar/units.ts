/** Traccar reports speed in knots (its `speed` field); everything of ours speaks km/h. */
export const KMH_PER_KNOT = 1.852;

export function knotsToKmh(knots: number): number {
  return knots * KMH_PER_KNOT;
}
