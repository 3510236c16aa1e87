import type { Reading } from '../../vehicle/readings';

/** DESIGN.md §4: what every flow node sends. */
export interface CarDataMessage {
  /** A Node-RED message may carry anything else a flow adds. */
  [key: string]: unknown;
  topic: string;
  payload: unknown;
  vin: string;
  metric: string;
  unit?: string;
  timestamp: string;
  receivedAt: string;
  attributes: Record<string, unknown>;
}

export type OutputFormat = 'descriptor' | 'batch' | 'homeassistant';

// Every output of one BMW message shares its arrival time and mostly its measuring time: format each instant once
// (two toISOString calls per output were 15 % of the stream pipeline's CPU in `npm run bench`).
const isoCache = new Map<number, string>();
function iso(ms: number): string {
  let text = isoCache.get(ms);
  if (text === undefined) {
    if (isoCache.size >= 64) isoCache.clear();
    text = new Date(ms).toISOString();
    isoCache.set(ms, text);
  }
  return text;
}

/** One descriptor reading as a message of the contract. */
export function readingMessage(vin: string, reading: Reading, receivedAt: number, source: string): CarDataMessage {
  return {
    topic: `${vin}/${reading.descriptor}`,
    payload: reading.value,
    vin,
    metric: reading.descriptor,
    ...(reading.unit ? { unit: reading.unit } : {}),
    timestamp: iso(reading.measuredAt ?? receivedAt),
    receivedAt: iso(receivedAt),
    attributes: { source, ...(reading.measuredAt === null ? { timestamp_missing: true } : {}) },
  };
}

/** A derived metric (stream_health, location, …) as a message of the contract. */
export function metricMessage(
  vin: string,
  metric: string,
  payload: unknown,
  at: number,
  attributes: Record<string, unknown> = {},
  unit?: string,
): CarDataMessage {
  return {
    topic: `${vin}/${metric}`,
    payload,
    vin,
    metric,
    ...(unit ? { unit } : {}),
    timestamp: iso(at),
    receivedAt: iso(at),
    attributes,
  };
}

/**
 * Home Assistant's sensor nodes take `payload.state` and `payload.attributes` (snake_case keys). A value we do not
 * have is not sent at all: HA's nodes reject a null state (peers-users-conventions.md §D).
 */
export function toHomeAssistant(message: CarDataMessage): CarDataMessage | undefined {
  if (message.payload === null || message.payload === undefined) return undefined;
  const state =
    typeof message.payload === 'object'
      ? JSON.stringify(message.payload)
      : (message.payload as string | number | boolean);
  return {
    ...message,
    payload: {
      state,
      attributes: {
        ...message.attributes,
        ...(message.unit ? { unit_of_measurement: message.unit } : {}),
        vin: message.vin,
        metric: message.metric,
        measured_at: message.timestamp,
        received_at: message.receivedAt,
      },
    },
  };
}
