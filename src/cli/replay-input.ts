/**
 * One `cardata-replay` input line (DESIGN.md §6) → a checked, typed step, or a ReplayInputError saying what is
 * wrong with it. Nothing here acts on the line: replay.ts does.
 */
import { parseBmwTimestamp } from '../cardata/normalise';
import { VIN_PATTERN, type StreamMessage } from '../cardata/wire';
import { isRecord } from '../cardata/json';

/** BMW's whole telematicData answer is well under this; a longer line is a broken trace, not data. */
export const MAX_LINE_LENGTH = 1024 * 1024;

export type ReplayReset = 'ac' | 'dc' | 'consumption';

export type ReplayInput =
  | { kind: 'stream'; at: number; vin: string; message: StreamMessage }
  | { kind: 'api'; at: number; vin: string; telematicData: Record<string, unknown> }
  | { kind: 'speed'; at: number; vin: string; speedKmh: number | null }
  | { kind: 'meter'; at: number; vin: string; powerKw: number; auxKw: number }
  | { kind: 'reset'; at: number; vin: string; what: ReplayReset }
  | { kind: 'restart'; at: number; downUntil: number | null }
  | { kind: 'eval'; at: number };

export class ReplayInputError extends Error {}

type Fields = Record<string, unknown>;

function fail(message: string): never {
  throw new ReplayInputError(message);
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function instant(fields: Fields, key: string): number {
  const value = fields[key];
  if (value === undefined) fail(`"${key}" is missing`);
  const ms = parseBmwTimestamp(value);
  if (ms === null) fail(`"${key}" is not an ISO time: ${show(value)}`);
  return ms;
}

function vinOf(fields: Fields, where = '"vin"'): string {
  const vin = fields.vin;
  if (typeof vin !== 'string' || !VIN_PATTERN.test(vin)) {
    fail(`${where} is not a VIN (17 capitals and digits, no I, O or Q): ${show(vin)}`);
  }
  return vin;
}

function finite(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`"${name}" is not a number: ${show(value)}`);
  return value;
}

function object(fields: Fields, key: string): Fields {
  const value = fields[key];
  if (!isRecord(value)) fail(`"${key}" is not an object: ${show(value)}`);
  return value;
}

/** Parse one non-blank line; throws ReplayInputError with a one-line reason. */
export function parseReplayLine(text: string): ReplayInput {
  if (text.length > MAX_LINE_LENGTH) fail(`longer than ${MAX_LINE_LENGTH} characters`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    fail(`not JSON: ${(err as Error).message}`);
  }
  if (!isRecord(parsed)) fail('not a JSON object');
  const at = instant(parsed, 'at');
  switch (parsed.kind) {
    case 'stream': {
      const message = object(parsed, 'message');
      const vin = vinOf(message, '"message.vin"');
      const data = message.data;
      if (!isRecord(data)) fail(`"message.data" is not an object: ${show(data)}`);
      const timestamp = typeof message.timestamp === 'string' ? message.timestamp : new Date(at).toISOString();
      // Entries that are not descriptor objects are the normaliser's to skip, as it does for the live stream.
      return { kind: 'stream', at, vin, message: { vin, timestamp, data: data as StreamMessage['data'] } };
    }
    case 'api':
      return { kind: 'api', at, vin: vinOf(parsed), telematicData: object(parsed, 'telematicData') };
    case 'speed': {
      const vin = vinOf(parsed);
      if (!('speedKmh' in parsed)) fail('"speedKmh" is missing (null means no valid position)');
      const speed = parsed.speedKmh;
      if (speed === null) return { kind: 'speed', at, vin, speedKmh: null };
      const speedKmh = finite(speed, 'speedKmh');
      if (speedKmh < 0) fail(`"speedKmh" is negative: ${speedKmh}`);
      return { kind: 'speed', at, vin, speedKmh };
    }
    case 'meter': {
      const vin = vinOf(parsed);
      const powerKw = finite(parsed.powerKw, 'powerKw');
      const auxKw = parsed.auxKw === undefined || parsed.auxKw === null ? 0 : finite(parsed.auxKw, 'auxKw');
      return { kind: 'meter', at, vin, powerKw, auxKw };
    }
    case 'reset': {
      const vin = vinOf(parsed);
      const what = parsed.what;
      if (what !== 'ac' && what !== 'dc' && what !== 'consumption') {
        fail(`"what" must be "ac", "dc" or "consumption": ${show(what)}`);
      }
      return { kind: 'reset', at, vin, what };
    }
    case 'restart': {
      if (parsed.downUntil === undefined || parsed.downUntil === null) return { kind: 'restart', at, downUntil: null };
      const downUntil = instant(parsed, 'downUntil');
      if (downUntil < at) fail(`"downUntil" is before "at"`);
      return { kind: 'restart', at, downUntil };
    }
    case 'eval':
      return { kind: 'eval', at };
    default:
      return fail(`"kind" must be stream, api, speed, meter, reset, restart or eval: ${show(parsed.kind)}`);
  }
}
