import axios, { type AxiosInstance } from 'axios';
import type { Clock } from './clock';
import { networkError } from './device-login';
import { CarDataError } from './errors';
import { OPERATIONS, type OperationId } from './operations';
import type { QuotaLedger, QuotaSnapshot } from './quota-ledger';
import type { TokenManager } from './token-manager';
import { VIN_PATTERN, type CustomerErrorResponse } from './wire';

export interface ApiClientOptions {
  apiBaseUrl: string;
  clock: Clock;
  tokens: TokenManager;
  ledger: QuotaLedger;
  /** Called after every change of the ledger, so the owner can persist it. */
  onLedgerChange?: () => void;
  http?: AxiosInstance;
  timeoutMs?: number;
}

export interface ApiParams {
  vin?: string;
  containerId?: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
}

export interface ApiResult {
  operation: OperationId;
  status: number;
  data: unknown;
  contentType?: string;
  quota: QuotaSnapshot;
}

/**
 * BMW's CarData REST API with the account's quota ledger in front of it: a call the ledger does not allow is refused
 * here, before it reaches BMW. Every attempted call counts, failed ones too, since BMW's counting of failures is
 * unknown (protocol §11.1) and spending less than allowed is the safe side.
 */
export class CarDataApi {
  private readonly http: AxiosInstance;

  constructor(private readonly options: ApiClientOptions) {
    this.http = options.http ?? axios.create();
  }

  quota(): QuotaSnapshot {
    return this.options.ledger.snapshot(this.options.clock.now());
  }

  async call(operation: OperationId, params: ApiParams = {}): Promise<ApiResult> {
    const spec = OPERATIONS[operation];
    let path = spec.path;
    for (const name of spec.pathParams) {
      const value = params[name];
      if (!value) throw new CarDataError('bad_request', `${operation} needs a ${name}.`);
      if (name === 'vin' && !VIN_PATTERN.test(value)) {
        throw new CarDataError('bad_request', `"${value}" is not a VIN (17 characters, A–Z without I, O, Q, and 0–9).`);
      }
      if (name === 'containerId' && !/^[A-Za-z0-9]{13}$/.test(value)) {
        throw new CarDataError('bad_request', `"${value}" is not a container ID (13 letters and digits).`);
      }
      path = path.replace(`{${name}}`, encodeURIComponent(value));
    }
    const query: Record<string, string> = {};
    for (const { name, required } of spec.query) {
      const value = params.query?.[name] ?? (name === 'containerId' ? params.containerId : undefined);
      if (value !== undefined && value !== '') query[name] = value;
      else if (required) throw new CarDataError('bad_request', `${operation} needs the query parameter ${name}.`);
    }

    const accessToken = await this.options.tokens.accessToken();
    const now = this.options.clock.now();
    if (!this.options.ledger.tryReserve(now)) {
      const snap = this.options.ledger.snapshot(now);
      throw new CarDataError(
        'quota_exhausted',
        `No API calls left today (${snap.used} of ${snap.limit} used); more from ${snap.resetsAt}.`,
        { code: 'quota' },
      );
    }
    this.options.onLedgerChange?.();

    let res;
    try {
      res = await this.http.request<unknown>({
        method: spec.method,
        url: this.options.apiBaseUrl.replace(/\/$/, '') + path,
        params: query,
        data: spec.body ? params.body : undefined,
        headers: {
          Authorization: `Bearer ${accessToken}`,
          'x-version': 'v1',
          Accept: spec.binary ? '*/*' : 'application/json',
          ...(spec.body ? { 'Content-Type': 'application/json' } : {}),
        },
        responseType: spec.binary ? 'arraybuffer' : 'json',
        timeout: this.options.timeoutMs ?? 30_000,
        validateStatus: () => true,
      });
    } catch (err) {
      throw networkError(err);
    }
    const contentType = String(res.headers['content-type'] ?? '') || undefined;
    if (res.status >= 200 && res.status < 300) {
      const data = spec.binary ? Buffer.from(res.data as ArrayBuffer) : res.data;
      return { operation, status: res.status, data, contentType, quota: this.quota() };
    }
    throw this.failure(operation, res.status, res.data, res.headers['retry-after']);
  }

  private failure(operation: OperationId, status: number, data: unknown, retryAfter: unknown): CarDataError {
    const body = parseErrorBody(data);
    const code = body?.exveErrorId;
    const bmw = body ? `${body.exveErrorId} ${body.exveErrorMsg}`.trim() : `HTTP ${status}`;
    const details = { status, code };
    if (status === 429 || code === 'CU-429') {
      const now = this.options.clock.now();
      this.options.ledger.block(now, parseRetryAfter(retryAfter, now));
      this.options.onLedgerChange?.();
      const until = this.options.ledger.snapshot(now).blockedUntil;
      return new CarDataError(
        'quota_exhausted',
        `BMW says today's API quota is spent (${bmw}); paused until ${until}.`,
        {
          ...details,
          retryAfterMs: parseRetryAfter(retryAfter, now),
        },
      );
    }
    if (code === 'CU-105') {
      return new CarDataError('container_lost', `The telematics container is gone (${bmw}).`, details);
    }
    if (code === 'CU-124') {
      return new CarDataError(
        'container_limit',
        `BMW allows 10 containers and counts deleted ones for 29 days (${bmw}).`,
        details,
      );
    }
    if (code === 'CU-103') {
      return new CarDataError(
        'not_permitted',
        'The login lacks the CarData API scope: subscribe the client ID to "CarData API" in the BMW portal, then log in again.',
        details,
      );
    }
    if (code === 'CU-104') {
      return new CarDataError(
        'not_permitted',
        `No permission for this vehicle: only PRIMARY users can read it (${bmw}).`,
        details,
      );
    }
    if (status === 401 || status === 403) {
      return new CarDataError('not_permitted', `BMW refused ${operation} (${bmw}).`, details);
    }
    if (status >= 500) return new CarDataError('server_error', `BMW answered ${operation} with ${bmw}.`, details);
    return new CarDataError('bad_request', `BMW refused ${operation}: ${bmw}.`, details);
  }
}

function parseErrorBody(data: unknown): CustomerErrorResponse | undefined {
  let value = data;
  if (Buffer.isBuffer(value) || value instanceof ArrayBuffer) value = Buffer.from(value as ArrayBuffer).toString();
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const body = value as Partial<CustomerErrorResponse> | undefined;
  return typeof body?.exveErrorId === 'string'
    ? {
        exveErrorId: body.exveErrorId,
        exveErrorMsg: String(body.exveErrorMsg ?? ''),
        exveErrorRef: String(body.exveErrorRef ?? ''),
        exveNote: String(body.exveNote ?? ''),
      }
    : undefined;
}

/** Retry-After in seconds or as an HTTP date; clamped to [60 s, 24 h] as BMW's reference client does (§4.5). */
function parseRetryAfter(value: unknown, now: number): number | undefined {
  if (typeof value !== 'string' || !value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(86_400_000, Math.max(60_000, ms));
}
