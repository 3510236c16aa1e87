import axios, { type AxiosInstance } from 'axios';
import type { Clock, Timer } from './clock';
import { CarDataError } from './errors';
import { createPkcePair } from './pkce';
import { registerSecret } from './secrets';
import {
  CLIENT_ID_PATTERN,
  DEFAULT_SCOPE,
  DEVICE_CODE_GRANT,
  type DeviceCodeResponse,
  type OAuthErrorBody,
  type TokenResponse,
} from './wire';

export type DeviceLoginState = 'starting' | 'waiting' | 'approved' | 'denied' | 'expired' | 'failed' | 'cancelled';

/** What the user needs to see: the code, where to enter it, and until when. No secrets. */
export interface DeviceLoginPrompt {
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string;
  expiresAt: number;
  intervalSec: number;
}

export interface DeviceLoginOptions {
  clientId: string;
  authBaseUrl: string;
  clock: Clock;
  scope?: string;
  http?: AxiosInstance;
  timeoutMs?: number;
  onState?: (state: DeviceLoginState, detail?: string) => void;
}

const TRANSIENT_LIMIT = 3; // consecutive 5xx or network errors tolerated while polling, as BMW's reference client does

/**
 * OAuth 2.0 device authorization grant with PKCE S256 against BMW's GCDM endpoints (protocol §2). start() asks for a
 * user code; the login then polls on the injected clock, honouring `interval` and `slow_down`, until the user
 * approves, denies, or the code expires. `result` settles with the tokens or a CarDataError.
 */
export class DeviceLogin {
  state: DeviceLoginState = 'starting';
  prompt?: DeviceLoginPrompt;
  readonly result: Promise<TokenResponse>;
  private resolve!: (tokens: TokenResponse) => void;
  private reject!: (err: CarDataError) => void;
  private readonly http: AxiosInstance;
  private readonly verifier: string;
  private readonly challenge: string;
  private deviceCode?: string;
  private timer?: Timer;
  private intervalSec = 5;
  private transientFailures = 0;

  constructor(private readonly options: DeviceLoginOptions) {
    this.http = options.http ?? axios.create();
    const pkce = createPkcePair();
    this.verifier = pkce.verifier;
    this.challenge = pkce.challenge;
    registerSecret(this.verifier);
    this.result = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // A login nobody awaits must not crash the process with an unhandled rejection.
    this.result.catch(() => undefined);
  }

  async start(): Promise<DeviceLoginPrompt> {
    const { clientId } = this.options;
    if (!CLIENT_ID_PATTERN.test(clientId)) {
      const err = new CarDataError(
        'auth_invalid_client',
        'The client ID must be the UUID from the BMW portal (8-4-4-4-12 hexadecimal characters).',
      );
      this.finish('failed', err);
      throw err;
    }
    const body = new URLSearchParams({
      client_id: clientId,
      response_type: 'device_code',
      scope: this.options.scope ?? DEFAULT_SCOPE,
      code_challenge: this.challenge,
      code_challenge_method: 'S256',
    });
    const res = await this.post('/gcdm/oauth/device/code', body).catch((err: CarDataError) => {
      this.finish('failed', err);
      throw err;
    });
    if (res.status !== 200 || !isDeviceCodeResponse(res.data)) {
      const err = oauthError(res.status, res.data, 'requesting a device code');
      this.finish('failed', err);
      throw err;
    }
    const data = res.data;
    this.deviceCode = data.device_code;
    registerSecret(data.device_code);
    this.intervalSec = data.interval > 0 ? data.interval : 5;
    this.prompt = {
      userCode: data.user_code,
      verificationUri: data.verification_uri,
      // BMW's schema requires it but some clients report it missing; build it the way BMW's page accepts (§2.2).
      verificationUriComplete:
        data.verification_uri_complete || `${data.verification_uri}?user_code=${encodeURIComponent(data.user_code)}`,
      expiresAt: this.options.clock.now() + (data.expires_in > 0 ? data.expires_in : 300) * 1000,
      intervalSec: this.intervalSec,
    };
    this.setState('waiting');
    this.schedulePoll();
    return this.prompt;
  }

  cancel(): void {
    if (this.isOver()) return;
    this.finish('cancelled', new CarDataError('auth_failed', 'The login was cancelled.'));
  }

  private schedulePoll(): void {
    this.timer = this.options.clock.setTimeout(() => void this.poll(), this.intervalSec * 1000);
  }

  private async poll(): Promise<void> {
    if (this.isOver() || !this.deviceCode || !this.prompt) return;
    if (this.options.clock.now() >= this.prompt.expiresAt) {
      this.finish('expired', new CarDataError('auth_expired', 'The code expired before it was approved. Start again.'));
      return;
    }
    const body = new URLSearchParams({
      client_id: this.options.clientId,
      grant_type: DEVICE_CODE_GRANT,
      device_code: this.deviceCode,
      code_verifier: this.verifier,
    });
    let res;
    try {
      res = await this.post('/gcdm/oauth/token', body);
    } catch (err) {
      return this.transient(err as CarDataError);
    }
    if (this.isOver()) return;
    if (res.status === 200) {
      const tokens = res.data as TokenResponse;
      if (!tokens?.access_token || !tokens.refresh_token || !tokens.gcid) {
        this.finish('failed', new CarDataError('invalid_response', 'BMW answered the login without complete tokens.'));
        return;
      }
      registerSecret(tokens.access_token);
      registerSecret(tokens.refresh_token);
      registerSecret(tokens.id_token);
      this.setState('approved');
      this.clearTimer();
      this.resolve(tokens);
      return;
    }
    const code = (res.data as Partial<OAuthErrorBody> | undefined)?.error;
    if (code === 'authorization_pending') {
      this.transientFailures = 0;
      return this.schedulePoll();
    }
    if (code === 'slow_down') {
      this.intervalSec += 5; // RFC 8628 §3.5: permanently
      return this.schedulePoll();
    }
    if (res.status >= 500 && !isGatewayFault(res.data)) {
      return this.transient(new CarDataError('server_error', `BMW's login service answered ${res.status}.`));
    }
    const err = oauthError(res.status, res.data, 'waiting for approval');
    const state: DeviceLoginState =
      err.kind === 'auth_denied' ? 'denied' : err.kind === 'auth_expired' ? 'expired' : 'failed';
    this.finish(state, err);
  }

  private transient(err: CarDataError): void {
    this.transientFailures++;
    if (this.transientFailures > TRANSIENT_LIMIT) {
      this.finish('failed', err);
      return;
    }
    this.schedulePoll();
  }

  private async post(path: string, body: URLSearchParams) {
    try {
      return await this.http.post<unknown>(this.options.authBaseUrl.replace(/\/$/, '') + path, body.toString(), {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        timeout: this.options.timeoutMs ?? 30_000,
        validateStatus: () => true,
      });
    } catch (err) {
      throw networkError(err);
    }
  }

  private isOver(): boolean {
    return !['starting', 'waiting'].includes(this.state);
  }

  private setState(state: DeviceLoginState, detail?: string): void {
    this.state = state;
    this.options.onState?.(state, detail);
  }

  private finish(state: DeviceLoginState, err: CarDataError): void {
    this.clearTimer();
    this.setState(state, err.message);
    this.reject(err);
  }

  private clearTimer(): void {
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function isDeviceCodeResponse(data: unknown): data is DeviceCodeResponse {
  const d = data as Partial<DeviceCodeResponse> | undefined;
  return (
    typeof d?.device_code === 'string' && typeof d.user_code === 'string' && typeof d.verification_uri === 'string'
  );
}

function isGatewayFault(data: unknown): boolean {
  return typeof data === 'object' && data !== null && 'fault' in data;
}

/** Map BMW's OAuth and gateway answers to errors that say what to do (protocol §2.3). */
export function oauthError(status: number, data: unknown, during: string): CarDataError {
  if (isGatewayFault(data)) {
    return new CarDataError(
      'auth_gateway_fault',
      `BMW's gateway refused the login (keymanagement fault) while ${during}. Start the login again; if it repeats, ` +
        'enter the client ID in lower case.',
      { status, code: 'keymanagement.service.invalid_access_token' },
    );
  }
  const body = (data ?? {}) as Partial<OAuthErrorBody>;
  const code = body.error ?? `http_${status}`;
  const why = body.error_description ? ` (${body.error_description})` : '';
  switch (code) {
    case 'access_denied':
      return new CarDataError(
        'auth_denied',
        'The login was denied. If you approved it, check in the BMW portal that this client ID is subscribed to ' +
          'CarData API and CarData Stream, then start again.',
        { status, code },
      );
    case 'expired_token':
      return new CarDataError('auth_expired', 'The code expired before it was approved. Start again.', {
        status,
        code,
      });
    case 'invalid_client':
      return new CarDataError(
        'auth_invalid_client',
        'BMW does not know this client ID. Copy it again from the BMW portal (CarData ▸ Create CarData Client).',
        { status, code },
      );
    case 'invalid_grant':
      return new CarDataError('auth_invalid_grant', `BMW refused the grant${why}. Log in again.`, { status, code });
    default:
      return new CarDataError('auth_failed', `BMW's login service answered ${status} ${code}${why} while ${during}.`, {
        status,
        code,
      });
  }
}

export function networkError(err: unknown): CarDataError {
  const e = err as { code?: string; message?: string };
  if (e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT') {
    return new CarDataError('timeout', `No answer in time (${e.message ?? e.code}).`);
  }
  return new CarDataError('network', `Could not reach BMW (${e.code ?? e.message ?? 'network error'}).`);
}
