/**
 * BMW's raw descriptor values → readings the vehicle layer can trust. Pure functions, no I/O: the stream, the REST
 * client and replay all go through here, so `"78"` from REST and `78` from MQTT become the same number, `percent` and
 * `%` the same unit, and `-NA-` the same "no value".
 */
import type { Reading, ReadingValue } from '../vehicle/readings';
import type { StreamMessage } from './wire';

// REST spells units out (`kilometers`, issues #405/#429) while the stream abbreviates; the catalogue mixes `percent`
// and `%`. One spelling per unit keeps statistics and unit checks downstream simple.
const UNIT_ALIASES = new Map<string, string>([
  ['percent', '%'],
  ['miles', 'mi'],
  ['mile', 'mi'],
  ['kilometers', 'km'],
  ['kilometres', 'km'],
  ['kilometer', 'km'],
  ['kilometre', 'km'],
]);

// Enum descriptors carry these instead of a value (charge port `CONNECTED, DISCONNECTED, INVALID, -NA-`, voltage
// `-NA-`); they mean "the car has no value", not a state to act on.
const SENTINELS = new Set(['-NA-', 'INVALID']);

// Only these descriptors get the loose yes/no/on/off/1/0 reading: elsewhere `"1"` is a number (a SOC of 1 %, a
// phase count) and must stay one. `ASN_is*` and `true`/`false` are unambiguous and apply to every descriptor.
const LOOSE_BOOLEAN_DESCRIPTORS = new Set([
  'vehicle.isMoving',
  'vehicle.powertrain.tractionBattery.charging.port.anyPosition.isPlugged',
  'vehicle.powertrain.tractionBattery.charging.port.anyPosition.flap.isOpen',
]);
const TRUE_WORDS = new Set(['asn_istrue', 'true']);
const FALSE_WORDS = new Set(['asn_isfalse', 'false']);
const LOOSE_TRUE = new Set(['1', 'yes', 'on']);
const LOOSE_FALSE = new Set(['0', 'no', 'off']);

// A leading zero followed by a digit (`0123`) is an identifier, not a quantity; keep it a string.
const NUMERIC = /^[+-]?(?:(?:0|[1-9]\d*)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

// The integration keeps a timestamp only if it is ≤ 64 characters, starts with a digit and uses `0-9 - : T Z . +`
// and spaces (message_utils.py); anything else (garbage, injected text) becomes "no timestamp".
const TIMESTAMP_CHARS = /^[0-9][0-9\-:TZ.+ ]*$/;
const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `percent` → `%`, `kilometers` → `km`, `miles` → `mi`; empty or the literal `null` → null; others trimmed as is. */
export function normaliseUnit(unit: unknown): string | null {
  if (typeof unit !== 'string') return null;
  const trimmed = unit.trim();
  // The catalogue lists the unit of travelledDistance as the literal string "null".
  if (trimmed === '' || trimmed.toLowerCase() === 'null') return null;
  return UNIT_ALIASES.get(trimmed.toLowerCase()) ?? trimmed;
}

/**
 * BMW's per-descriptor timestamp → epoch ms, or null. A timestamp without a zone is read as UTC: BMW stamps in UTC,
 * and reading it as local time would shift it by the server's offset.
 */
export function parseBmwTimestamp(timestamp: unknown): number | null {
  if (typeof timestamp !== 'string' || timestamp.length > 64) return null;
  // The descriptors of one BMW message mostly share a timestamp; the stream benchmark found the parse at 8 % of CPU.
  if (timestamp === lastTimestamp) return lastEpoch;
  lastEpoch = parseTimestampText(timestamp);
  lastTimestamp = timestamp;
  return lastEpoch;
}

let lastTimestamp: string | undefined;
let lastEpoch: number | null = null;

function parseTimestampText(timestamp: string): number | null {
  const text = timestamp.trim();
  if (!TIMESTAMP_CHARS.test(text)) return null;
  const match = ISO_TIMESTAMP.exec(text);
  if (!match) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  const millis = frac === '' ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  let epoch = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    if (offsetMinutes > 14 * 60) return null;
    epoch -= sign * offsetMinutes * 60_000;
  }
  return epoch;
}

/**
 * One raw value → number, string, boolean or null. Numeric strings (REST sends every value as a string) become
 * numbers; `ASN_isTrue`/`ASN_isFalse`/`true`/`false` become booleans and `ASN_isUnknown` null; `-NA-`, `INVALID`
 * and empty strings become null; structured values (trouble codes, basicVehicleData) become their JSON text.
 */
export function normaliseValue(descriptor: string, raw: unknown): ReadingValue {
  const loose = LOOSE_BOOLEAN_DESCRIPTORS.has(descriptor);
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return null;
    if (loose && (raw === 0 || raw === 1)) return raw === 1;
    return raw;
  }
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (text === '' || SENTINELS.has(text.toUpperCase())) return null;
    const lower = text.toLowerCase();
    if (lower === 'asn_isunknown') return null;
    if (TRUE_WORDS.has(lower) || (loose && LOOSE_TRUE.has(lower))) return true;
    if (FALSE_WORDS.has(lower) || (loose && LOOSE_FALSE.has(lower))) return false;
    if (NUMERIC.test(text)) {
      const value = Number(text);
      if (Number.isFinite(value)) return value;
    }
    return text;
  }
  if (typeof raw === 'object') return JSON.stringify(raw);
  return null;
}

/** The catalogue's HTML puts a zero-width space after every dot; names copied from it must still match. */
function cleanDescriptor(name: string): string {
  return name.replace(/\u200b/g, '').trim();
}

/**
 * A descriptor map (`data` of a stream message, or REST `telematicData`) → readings in the map's key order.
 * Entries that are not objects are skipped; a value BMW does not have becomes a reading with value null, so a
 * consumer can tell "sent as unknown" from "not sent".
 */
export function readingsFromData(data: unknown): Reading[] {
  if (!isRecord(data)) return [];
  const readings: Reading[] = [];
  for (const [name, entry] of Object.entries(data)) {
    if (!isRecord(entry)) continue;
    const descriptor = cleanDescriptor(name);
    if (descriptor === '') continue;
    readings.push({
      descriptor,
      value: normaliseValue(descriptor, entry.value),
      unit: normaliseUnit(entry.unit),
      measuredAt: parseBmwTimestamp(entry.timestamp),
    });
  }
  return readings;
}

/** A BMW stream message (§6.4) → its readings, in payload order. */
export function readingsFromStream(message: StreamMessage): Reading[] {
  return readingsFromData(message.data);
}

/**
 * REST telematicData → readings. Accepts the map itself, BMW's answer `{telematicData: map}`, a line that wraps
 * BMW's whole answer once more, or the integration's alternative top-level key `data`. Descriptor names always
 * start with `vehicle.`, so these wrapper keys cannot be mistaken for descriptors.
 */
export function readingsFromTelematicData(body: unknown): Reading[] {
  let map: unknown = body;
  for (let depth = 0; depth < 3 && isRecord(map); depth++) {
    const inner: unknown = map.telematicData ?? map.data;
    if (!isRecord(inner)) break;
    map = inner;
  }
  return readingsFromData(map);
}
