/**
 * A Traccar server's REST API, read-only, for the speed of a vehicle's GPS tracker (reference/algorithms.md §5).
 * Improvements over the reference (§12.4 #28): a position older than `maxAgeMs` is `stale` rather than fed as the
 * current speed; a device name that did not resolve is looked up again at the next poll instead of never; with an
 * older Traccar that answers `/api/positions?deviceId=` with every device's position, the last position OF THAT DEVICE
 * is used. The token is sent in a header and never appears in a message, log line or thrown error: axios errors carry
 * the request's headers, so none of them is passed on.
 */
import axios, { type AxiosInstance } from 'axios';
import { systemClock, type Clock } from '../cardata/clock';
import { knotsToKmh } from './units';
import { isRecord } from '../cardata/json';

export type TraccarReason =
  'unauthorized' | 'unreachable' | 'http_error' | 'bad_answer' | 'unknown_device' | 'no_position' | 'invalid' | 'stale';

export interface TraccarReading {
  /** km/h; null when the reading is not usable (see `reason`). */
  speedKmh: number | null;
  /** Traccar's own `valid` flag of the fix (false when there is no position). */
  valid: boolean;
  /** The tracker's time of the fix, epoch ms; null when unknown. */
  deviceTime: number | null;
  latitude: number | null;
  longitude: number | null;
  /** Why `speedKmh` is null; null for a usable reading. */
  reason: TraccarReason | null;
  deviceId: number | null;
  deviceName: string;
  /** A short explanation for a log line, built by us (never an upstream error text); null for a usable reading. */
  detail: string | null;
}

export interface TraccarDevice {
  id: number;
  name: string;
}

export interface TraccarClientOptions {
  /** The server's base URL, e.g. `http://192.168.1.50:8082`; a trailing `/` is ignored. */
  url: string;
  /** A Traccar user API token, sent as `Authorization: Bearer <token>`. */
  token: string;
  /** For the staleness check; the wall clock by default. */
  clock?: Clock;
  /** A position older than this is stale (default 300 s; 0 turns the check off). */
  maxAgeMs?: number;
  /** Per request (default 10 s, as the reference). */
  timeoutMs?: number;
}

export const DEFAULT_MAX_AGE_MS = 300_000;
export const DEFAULT_TIMEOUT_MS = 10_000;
/** A position list of an older Traccar holds every device; a few MB is far beyond any real answer. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/** A failed request, with a message that names the path and the cause, never a header. */
export class TraccarError extends Error {
  constructor(
    readonly reason: 'unauthorized' | 'unreachable' | 'http_error' | 'bad_answer',
    message: string,
  ) {
    super(message);
    this.name = 'TraccarError';
  }
}

/** `http(s)://host[:port][/path]` without a trailing `/`; throws on anything else. */
export function normaliseTraccarUrl(url: string): string {
  const trimmed = String(url ?? '').trim();
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    throw new Error(`"${trimmed}" is not a URL (expected e.g. http://192.168.1.50:8082)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`the Traccar URL must start with http:// or https://, got "${parsed.protocol}"`);
  }
  // Credentials in a URL end up in logs; Traccar takes the token instead.
  if (parsed.username || parsed.password) throw new Error('the Traccar URL must not contain a user name or password');
  if (parsed.search || parsed.hash) throw new Error('the Traccar URL must not contain a query or fragment');
  return trimmed.replace(/\/+$/, '');
}

export class TraccarClient {
  readonly url: string;
  private readonly http: AxiosInstance;
  private readonly clock: Clock;
  private readonly maxAgeMs: number;
  /** Names resolved to ids; a name is only here once it resolved, so the others are looked up at every poll. */
  private readonly deviceIds = new Map<string, number>();

  constructor(options: TraccarClientOptions) {
    this.url = normaliseTraccarUrl(options.url);
    const token = String(options.token ?? '').trim();
    if (!token) throw new Error('no Traccar API token');
    this.clock = options.clock ?? systemClock;
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.http = axios.create({
      baseURL: this.url,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      // Statuses and JSON are judged here, so no axios error (with the headers inside) is made for them.
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      // A redirect could carry the token to another host; a server that moved is an error to fix in the config.
      maxRedirects: 0,
      maxContentLength: MAX_ANSWER_BYTES,
    });
  }

  /** Every device the token may see. Throws TraccarError. */
  async devices(signal?: AbortSignal): Promise<TraccarDevice[]> {
    const answer = await this.get('/api/devices', {}, signal);
    if (!Array.isArray(answer)) throw new TraccarError('bad_answer', 'Traccar /api/devices did not answer a list');
    const devices: TraccarDevice[] = [];
    for (const item of answer) {
      if (!isRecord(item)) continue;
      const id = Number(item.id);
      if (Number.isInteger(id) && typeof item.name === 'string') devices.push({ id, name: item.name });
    }
    return devices;
  }

  /** The id of the FIRST device named exactly `name` (case-sensitive), or null. Cached once found. */
  async deviceId(name: string, signal?: AbortSignal): Promise<number | null> {
    const known = this.deviceIds.get(name);
    if (known !== undefined) return known;
    const found = (await this.devices(signal)).find((d) => d.name === name);
    if (!found) return null;
    this.deviceIds.set(name, found.id);
    return found.id;
  }

  /** The device's current speed. Never throws: every failure is a reading with a reason. */
  async read(deviceName: string, signal?: AbortSignal): Promise<TraccarReading> {
    let deviceId: number | null = null;
    try {
      deviceId = await this.deviceId(deviceName, signal);
      if (deviceId === null) {
        return none(deviceName, null, 'unknown_device', `Traccar has no device named "${deviceName}"`);
      }
      const answer = await this.get('/api/positions', { deviceId }, signal);
      if (!Array.isArray(answer)) {
        return none(deviceName, deviceId, 'bad_answer', 'Traccar /api/positions did not answer a list');
      }
      const position = lastOf(answer, deviceId);
      if (!position) {
        // A device deleted and made again gets a new id: look the name up afresh next time.
        this.deviceIds.delete(deviceName);
        return none(deviceName, deviceId, 'no_position', `Traccar has no position for device ${deviceId}`);
      }
      return this.readingOf(position, deviceName, deviceId);
    } catch (err) {
      if (err instanceof TraccarError) return none(deviceName, deviceId, err.reason, err.message);
      return none(deviceName, deviceId, 'unreachable', 'Traccar request failed');
    }
  }

  private readingOf(position: Record<string, unknown>, deviceName: string, deviceId: number): TraccarReading {
    const deviceTime = typeof position.deviceTime === 'string' ? Date.parse(position.deviceTime) : NaN;
    const base = {
      valid: position.valid === true,
      deviceTime: Number.isFinite(deviceTime) ? deviceTime : null,
      latitude: finiteOrNull(position.latitude),
      longitude: finiteOrNull(position.longitude),
      deviceId,
      deviceName,
    };
    const refuse = (reason: TraccarReason, detail: string): TraccarReading => ({
      ...base,
      speedKmh: null,
      reason,
      detail,
    });
    if (!base.valid) return refuse('invalid', 'the tracker marks its position as invalid');
    // Traccar omits a zero speed on some protocols; the reference reads a missing speed as 0.
    const knots = position.speed === undefined || position.speed === null ? 0 : Number(position.speed);
    if (!Number.isFinite(knots) || knots < 0) return refuse('invalid', 'the position has no usable speed');
    if (this.maxAgeMs > 0) {
      // A time we cannot read cannot show the position is current.
      if (base.deviceTime === null) return refuse('stale', 'the position has no device time');
      const ageMs = this.clock.now() - base.deviceTime;
      if (ageMs > this.maxAgeMs) {
        return refuse('stale', `the last position is ${Math.round(ageMs / 1000)} s old`);
      }
    }
    return { ...base, speedKmh: knotsToKmh(knots), reason: null, detail: null };
  }

  private async get(path: string, params: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
    let status: number;
    let body: unknown;
    try {
      const response = await this.http.get<string>(path, { params, ...(signal ? { signal } : {}) });
      status = response.status;
      body = response.data;
    } catch (err) {
      throw new TraccarError('unreachable', `Traccar ${path}: ${networkCause(err)}`);
    }
    if (status === 401 || status === 403) {
      throw new TraccarError('unauthorized', `Traccar ${path}: the API token was refused (HTTP ${status})`);
    }
    if (status < 200 || status >= 300) throw new TraccarError('http_error', `Traccar ${path}: HTTP ${status}`);
    try {
      return JSON.parse(String(body));
    } catch {
      throw new TraccarError('bad_answer', `Traccar ${path}: the answer is not JSON`);
    }
  }
}

/** The last position of the device: older Traccar servers list every device's latest position here. */
function lastOf(answer: unknown[], deviceId: number): Record<string, unknown> | undefined {
  for (let i = answer.length - 1; i >= 0; i--) {
    const item = answer[i];
    if (isRecord(item) && Number(item.deviceId) === deviceId) return item;
  }
  return undefined;
}

/** Only the error's code (ECONNREFUSED, ECONNABORTED, …): its message, config and request stay here. */
function networkCause(err: unknown): string {
  if (axios.isCancel(err)) return 'cancelled';
  const code = isRecord(err) && typeof err.code === 'string' && /^[A-Z_]+$/.test(err.code) ? err.code : '';
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return 'no answer in time';
  if (code === 'ERR_FR_MAX_BODY_LENGTH_EXCEEDED' || code === 'ERR_BAD_RESPONSE') return 'the answer is too large';
  return code ? `not reachable (${code})` : 'not reachable';
}

function none(deviceName: string, deviceId: number | null, reason: TraccarReason, detail: string): TraccarReading {
  return {
    speedKmh: null,
    valid: false,
    deviceTime: null,
    latitude: null,
    longitude: null,
    reason,
    deviceId,
    deviceName,
    detail,
  };
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
