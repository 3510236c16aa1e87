/** Reading persisted or received JSON: the vehicle layer's own, as it imports nothing from the client layer. */

/** A plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
