/**
 * BMW's raw descriptor values → readings the vehicle layer can trust. Pure functions, no I/O: the stream, the REST
 * client and replay all go through here, so `"78"` from REST and `78` from MQTT become the same number, `percent` and
 * `%` the same unit, and `-NA-` the same "no value".
 */
import type { Reading, ReadingValue } from '../vehicle/readings';
import type { StreamMessage } from './wire';
import { isRecord } from './json';

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

const DIGIT_0 = 48;
/** The digits of `text` from `start` to `end` as a number, or -1 if one of them is not a digit. */
function digitsAt(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - DIGIT_0;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil): Date.UTC without its cost. */
function daysFromCivil(y: number, m: number, d: number): number {
  const year = m <= 2 ? y - 1 : y;
  const era = Math.floor(year / 400);
  const yoe = year - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Epoch ms of a UTC date and time (years 0–99 read as 1900–1999, as Date.UTC does); null when out of range. */
function utcEpoch(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number | null {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return null;
  const year = y >= 0 && y <= 99 ? 1900 + y : y;
  if (d > daysInMonth(year, mo)) return null;
  return daysFromCivil(year, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + s * 1000 + ms;
}

/**
 * BMW's own form, `2026-03-02T10:00:00Z` or with 1–9 fraction digits before the `Z`, read without a regex: once per
 * stream message, the regex was the normaliser's largest cost in `npm run bench`. Undefined for any other form.
 */
function parseCanonical(text: string): number | null | undefined {
  const n = text.length;
  if (n < 20 || n > 30 || text.charCodeAt(n - 1) !== 90 /* Z */) return undefined;
  if (text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':') return undefined;
  let ms = 0;
  if (n > 20) {
    if (text[19] !== '.' || n === 21) return undefined;
    const frac = digitsAt(text, 20, Math.min(n - 1, 23));
    if (frac < 0 || digitsAt(text, 20, n - 1) < 0) return undefined;
    ms = frac * 10 ** (3 - Math.min(n - 21, 3));
  }
  const y = digitsAt(text, 0, 4);
  const mo = digitsAt(text, 5, 7);
  const d = digitsAt(text, 8, 10);
  const h = digitsAt(text, 11, 13);
  const mi = digitsAt(text, 14, 16);
  const s = digitsAt(text, 17, 19);
  if ((y | mo | d | h | mi | s) < 0) return undefined;
  return utcEpoch(y, mo, d, h, mi, s, ms);
}

function parseTimestampText(timestamp: string): number | null {
  const canonical = parseCanonical(timestamp);
  if (canonical !== undefined) return canonical;
  const text = timestamp.trim();
  if (!TIMESTAMP_CHARS.test(text)) return null;
  const match = ISO_TIMESTAMP.exec(text);
  if (!match) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = match;
  // Milliseconds are the fraction's first three digits (floored); `0.${frac}` * 1000 lost one to rounding at times.
  const millis = frac === '' ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  let epoch = utcEpoch(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), millis);
  if (epoch === null) return null;
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
    const text = trimmed(raw);
    // Upper-casing cannot shorten a string to a sentinel's length, so only those lengths need the copy.
    if (text === '' || ((text.length === 4 || text.length === 7) && SENTINELS.has(text.toUpperCase()))) return null;
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
  // Nearly every name is clean already: skip the regex and the copies for those.
  if (!name.includes('\u200b')) return trimmed(name);
  return name.replace(/\u200b/g, '').trim();
}

/** `text.trim()`, without the call when both ends are printable ASCII (trim also strips Unicode spaces). */
function trimmed(text: string): string {
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  return first > 32 && first < 127 && last > 32 && last < 127 ? text : text.trim();
}

/**
 * A descriptor map (`data` of a stream message, or REST `telematicData`) → readings in the map's key order.
 * Entries that are not objects are skipped; a value BMW does not have becomes a reading with value null, so a
 * consumer can tell "sent as unknown" from "not sent".
 */
export function readingsFromData(data: unknown): Reading[] {
  if (!isRecord(data)) return [];
  const readings: Reading[] = [];
  // for…in rather than Object.entries: no array per entry, on every stream message. `data` comes from JSON.parse,
  // so it has no inherited enumerable keys; the own-property check keeps that true for any other caller.
  for (const name in data) {
    if (!Object.prototype.hasOwnProperty.call(data, name)) continue;
    const entry = data[name];
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
