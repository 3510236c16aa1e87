/**
 * What the traccar-speed node accepts on its input: trip starts and ends, from vehicle-stream (`<VIN>/trip`,
 * `started` | `ended`) or from magic-soc (`<VIN>/event`, `trip_started` | `trip_ended`), in the contract's shape or in
 * Home Assistant's. Everything else our nodes send is ignored quietly. Shapes only: no Node-RED object.
 */
import { VIN_PATTERN } from '../../cardata/wire';

export type TripInput = { kind: 'trip'; vin: string; active: boolean } | { kind: 'ignore' };

/** Bad input: `key` names the message in the node's `errors` catalogue, `params` fill it. */
export class TripInputError extends Error {
  constructor(
    readonly key: 'noVin' | 'badVin' | 'badTrip' | 'unknownInput',
    readonly params: Record<string, string> = {},
  ) {
    super(`${key} ${JSON.stringify(params)}`);
  }
}

// Metrics of our own nodes that say nothing about trips: wiring vehicle-stream (all its outputs) or magic-soc in
// front must not raise an error for each of them.
const OTHER_METRICS = new Set([
  'stream_health',
  'location',
  'motion',
  'batch',
  'predicted_soc',
  'magic_soc',
  'reset_learning',
  'meter_power',
  'traccar_speed',
]);

const TRIP_PAYLOADS: Record<string, boolean> = { started: true, ended: false };
const EVENT_PAYLOADS: Record<string, boolean> = { trip_started: true, trip_ended: false };

interface InputMessage {
  topic?: unknown;
  payload?: unknown;
  vin?: unknown;
  metric?: unknown;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** The value, or Home Assistant format's `payload.state`. */
function valueOf(payload: unknown): string {
  if (typeof payload === 'object' && payload !== null && 'state' in payload) {
    return text(payload.state);
  }
  return text(payload);
}

function vinOf(...candidates: string[]): string {
  const given = candidates.find(Boolean);
  if (!given) throw new TripInputError('noVin');
  const vin = given.toUpperCase();
  if (!VIN_PATTERN.test(vin)) throw new TripInputError('badVin', { vin: given.slice(0, 40) });
  return vin;
}

export function parseTripInput(msg: InputMessage): TripInput {
  const topic = text(msg.topic);
  const slash = topic.indexOf('/');
  const topicVin = slash > 0 ? topic.slice(0, slash) : '';
  const metric = text(msg.metric) || (slash > 0 ? topic.slice(slash + 1) : topic);
  const value = valueOf(msg.payload);

  if (metric === 'trip') {
    if (!Object.hasOwn(TRIP_PAYLOADS, value)) throw new TripInputError('badTrip', { payload: value.slice(0, 40) });
    return { kind: 'trip', vin: vinOf(text(msg.vin), topicVin), active: TRIP_PAYLOADS[value] };
  }
  if (metric === 'event') {
    // Charging and learning events share the topic: only the trip ones matter here.
    if (!Object.hasOwn(EVENT_PAYLOADS, value)) return { kind: 'ignore' };
    return { kind: 'trip', vin: vinOf(text(msg.vin), topicVin), active: EVENT_PAYLOADS[value] };
  }
  if (metric.startsWith('vehicle.') || OTHER_METRICS.has(metric)) return { kind: 'ignore' };
  throw new TripInputError('unknownInput', { topic: topic.slice(0, 80) });
}
