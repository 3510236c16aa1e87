/**
 * What a prediction node accepts on its input (DESIGN.md §4: "both the per-descriptor messages and the raw
 * batches"), turned into readings for the engines. Shapes only: no algorithm, no Node-RED object.
 */
import { readingsFromData, readingsFromTelematicData } from '../../cardata/normalise';
import { VIN_PATTERN } from '../../cardata/wire';
import type { Reading } from '../../vehicle/readings';
import { isRecord } from '../../cardata/json';

export type VehicleInput =
  /** A whole BMW message: a raw batch, a REST telematicData answer, a stream message as BMW sends it. */
  | { kind: 'message'; vin: string; readings: Reading[] }
  /**
   * One descriptor of a BMW message, as vehicle-stream sends it. `group` names the BMW message it came from, so the
   * node can hand the engines the whole message again.
   */
  | { kind: 'descriptor'; vin: string; readings: Reading[]; group: string }
  | { kind: 'meter'; vin: string; powerKw: number; auxKw: number }
  /** A Traccar reading from cardata-traccar-speed: km/h, or null when Traccar has no usable position. */
  | { kind: 'speed'; vin: string; speedKmh: number | null }
  /** Asked for the current predictions (all VINs when `vin` is null). */
  | { kind: 'evaluate'; vin: string | null }
  /** A message of ours that carries nothing for the engines (stream health, another node's prediction). */
  | { kind: 'ignore' };

/** Bad input: `key` names the message in the node's `errors` catalogue, `params` fill it. */
export class InputError extends Error {
  constructor(
    readonly key:
      'noVin' | 'badVin' | 'unknownInput' | 'meterNotNumber' | 'auxNotNumber' | 'batchNotMap' | 'speedNotNumber',
    readonly params: Record<string, string> = {},
  ) {
    super(`${key} ${JSON.stringify(params)}`);
  }
}

// Derived metrics our own nodes send: wiring vehicle-stream (with stream health) or another prediction node in
// front must not raise an error for every one of them.
const DERIVED_METRICS = new Set([
  'stream_health',
  'location',
  'trip',
  'motion',
  'predicted_soc',
  'magic_soc',
  'event',
  'reset_learning',
]);

interface InputMessage {
  topic?: unknown;
  payload?: unknown;
  vin?: unknown;
  metric?: unknown;
  unit?: unknown;
  timestamp?: unknown;
  receivedAt?: unknown;
  attributes?: unknown;
  aux_kw?: unknown;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** A number, or a numeric string (Home Assistant's states are strings); undefined for anything else. */
function numberOf(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** A BMW descriptor map: every key a descriptor name (they all start with `vehicle.`). */
function isDescriptorMap(value: unknown): value is Record<string, unknown> {
  if (!isRecord(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => key.startsWith('vehicle.'));
}

function vinOf(...candidates: unknown[]): string {
  const given = candidates.map(text).find(Boolean);
  if (!given) throw new InputError('noVin');
  const vin = given.toUpperCase();
  if (!VIN_PATTERN.test(vin)) throw new InputError('badVin', { vin: given.slice(0, 40) });
  return vin;
}

/** Which kind of input `msg` is, with its readings. Throws InputError for input the node cannot use. */
export function parseVehicleInput(msg: InputMessage): VehicleInput {
  const topic = text(msg.topic);
  const slash = topic.indexOf('/');
  const topicVin = slash > 0 ? topic.slice(0, slash) : '';
  const topicMetric = slash > 0 ? topic.slice(slash + 1) : topic;
  const metric = text(msg.metric) || topicMetric;
  const payload = msg.payload;
  const attributes = isRecord(msg.attributes) ? msg.attributes : {};

  if (metric === 'evaluate') {
    const wanted = text(msg.vin) || topicVin;
    return { kind: 'evaluate', vin: wanted ? vinOf(wanted) : null };
  }
  if (metric === 'meter_power') {
    const vin = vinOf(msg.vin, topicVin);
    const powerKw = numberOf(payload);
    if (powerKw === undefined) throw new InputError('meterNotNumber', { payload: String(payload).slice(0, 40) });
    const aux = msg.aux_kw ?? attributes.aux_kw;
    const auxKw = aux === undefined || aux === null ? 0 : numberOf(aux);
    if (auxKw === undefined) throw new InputError('auxNotNumber', { aux: String(aux).slice(0, 40) });
    return { kind: 'meter', vin, powerKw, auxKw };
  }
  if (metric === 'traccar_speed') {
    const vin = vinOf(msg.vin, topicVin);
    // The contract's payload, or Home Assistant's {state}; a missing state is no reading.
    const value = isRecord(payload) && 'state' in payload ? payload.state : payload;
    if (value === null || value === undefined || value === '' || value === 'unavailable') {
      return { kind: 'speed', vin, speedKmh: null };
    }
    const speedKmh = numberOf(value);
    if (speedKmh === undefined)
      throw new InputError('speedNotNumber', { payload: (JSON.stringify(value) ?? typeof value).slice(0, 40) });
    return { kind: 'speed', vin, speedKmh };
  }
  if (metric.startsWith('vehicle.')) return descriptorInput(msg, metric, topicVin, attributes);
  if (isRecord(payload) && isRecord(payload.telematicData)) {
    // cardata-api-call's answer: BMW's REST body, the VIN beside it.
    return { kind: 'message', vin: vinOf(msg.vin, topicVin), readings: readingsFromTelematicData(payload) };
  }
  if (isRecord(payload) && isRecord(payload.data) && typeof payload.vin === 'string') {
    // A stream message as BMW publishes it (an mqtt-in node, a recording): {vin, timestamp, data}.
    return { kind: 'message', vin: vinOf(payload.vin), readings: readingsFromData(payload.data) };
  }
  if (metric === 'batch' || isDescriptorMap(payload)) {
    if (!isRecord(payload)) throw new InputError('batchNotMap');
    return { kind: 'message', vin: vinOf(msg.vin, topicVin), readings: readingsFromData(payload) };
  }
  if (DERIVED_METRICS.has(metric)) return { kind: 'ignore' };
  throw new InputError('unknownInput', { topic: topic.slice(0, 80) });
}

/** One value as vehicle-stream sends it, in the contract's shape or in Home Assistant's. */
function descriptorInput(
  msg: InputMessage,
  metric: string,
  topicVin: string,
  attributes: Record<string, unknown>,
): VehicleInput {
  let value = msg.payload;
  let unit = msg.unit;
  let timestamp = attributes.timestamp_missing === true ? undefined : msg.timestamp;
  let vinCandidate = msg.vin;
  if (isRecord(value) && 'state' in value) {
    const ha = isRecord(value.attributes) ? value.attributes : {};
    unit ??= ha.unit_of_measurement;
    timestamp = ha.timestamp_missing === true ? undefined : (ha.measured_at ?? timestamp);
    vinCandidate ??= ha.vin;
    value = value.state;
  }
  const vin = vinOf(vinCandidate, topicVin);
  // Through the normaliser like a batch entry, so both routes give the same reading.
  const readings = readingsFromData({ [metric]: { value, unit, timestamp } });
  return { kind: 'descriptor', vin, readings, group: `${vin}|${text(msg.receivedAt)}` };
}
