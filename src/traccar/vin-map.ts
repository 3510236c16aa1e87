/**
 * The VIN → Traccar device mapping as users type it (reference/algorithms.md §5, vector TR-03):
 * `WBA1234567890:MyTracker, WBA9876543210:Tracker2`. Each pair is trimmed and split at the FIRST colon, because
 * Traccar device names may contain colons; a pair without a colon or with an empty side is skipped, and returned so
 * the node can say which.
 */
export interface VinMapping {
  vin: string;
  deviceName: string;
}

export interface ParsedVinMap {
  mappings: VinMapping[];
  /** Pairs that were not understood, trimmed, in the order written. */
  skipped: string[];
}

export function parseVinMap(text: string | null | undefined): ParsedVinMap {
  const mappings: VinMapping[] = [];
  const skipped: string[] = [];
  for (const raw of String(text ?? '').split(',')) {
    const pair = raw.trim();
    if (!pair) continue; // a trailing comma or an empty line is not a mistake worth a warning
    const colon = pair.indexOf(':');
    const vin = colon < 0 ? '' : pair.slice(0, colon).trim().toUpperCase();
    const deviceName = colon < 0 ? '' : pair.slice(colon + 1).trim();
    if (!vin || !deviceName) {
      skipped.push(pair);
      continue;
    }
    mappings.push({ vin, deviceName });
  }
  return { mappings, skipped };
}

/** The mapping back as text, in the same format (for the dialog's table editor and the example flow). */
export function formatVinMap(mappings: readonly VinMapping[]): string {
  return mappings.map((m) => `${m.vin}:${m.deviceName}`).join(', ');
}
