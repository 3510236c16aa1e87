import { EventEmitter } from 'node:events';
import axios, { type AxiosInstance } from 'axios';
import type { Clock, Timer } from './clock';
import { CarDataError } from './errors';
import { networkError, oauthError } from './device-login';
import { registerSecret } from './secrets';
import { toStoredTokens, type StoredTokens, type TokenFile } from './token-file';
import type { TokenResponse } from './wire';

export type TokenState = 'logged_out' | 'valid' | 'refreshing' | 'retrying' | 'login_required';

export interface TokenManagerOptions {
  clientId: string;
  authBaseUrl: string;
  clock: Clock;
  file: TokenFile;
  http?: AxiosInstance;
  timeoutMs?: number;
}

/** Refresh this long before expiry; a quarter of the lifetime for short test lifetimes. */
const REFRESH_MARGIN_MS = 5 * 60_000;
/** Back-off after a failed refresh that may work later (5xx, network): 30 s doubling to 15 min. */
const RETRY_FIRST_MS = 30_000;
const RETRY_MAX_MS = 15 * 60_000;

/**
 * Owns one account's tokens: loads them from their file, refreshes ahead of expiry on the injected clock, rotates
 * the refresh token and writes every new set atomically before anyone uses it. A refused refresh token moves it to
 * `login_required` once, with no retries until a new login arrives.
 *
 * Events: 'tokens' (StoredTokens, after every new set: the stream reconnects with the new id_token),
 * 'state' (TokenState, reason?).
 */
export class TokenManager extends EventEmitter {
  state: TokenState = 'logged_out';
  reason?: string;
  private tokens?: StoredTokens;
  private timer?: Timer;
  private inflight?: Promise<StoredTokens>;
  private retryMs = RETRY_FIRST_MS;
  private readonly http: AxiosInstance;
  private stopped = false;

  constructor(private readonly options: TokenManagerOptions) {
    super();
    this.http = options.http ?? axios.create();
  }

  /** Load stored tokens and schedule their refresh. Returns a problem text when the file was unusable. */
  load(): string | undefined {
    const { tokens, problem } = this.options.file.load();
    if (tokens && tokens.clientId.toLowerCase() === this.options.clientId.toLowerCase()) {
      this.adopt(tokens, false);
    } else {
      this.setState('logged_out', problem);
    }
    return problem;
  }

  get current(): StoredTokens | undefined {
    return this.tokens;
  }

  /** Take the tokens of a finished device-code login. */
  loggedIn(response: TokenResponse): StoredTokens {
    const stored = toStoredTokens(this.options.clientId, response, this.options.clock.now());
    this.adopt(stored, true);
    return stored;
  }

  /** A valid access token, refreshed first when it is about to expire. */
  async accessToken(): Promise<string> {
    const tokens = this.tokens;
    if (!tokens || this.state === 'login_required') {
      throw new CarDataError('login_required', this.reason ?? 'Not logged in: log in from the account node.');
    }
    if (tokens.expiresAt - this.options.clock.now() > this.margin(tokens)) return tokens.accessToken;
    return (await this.refresh('expiring')).accessToken;
  }

  /** Refresh now (the "refresh tokens" button, a refused MQTT connect); concurrent calls share one request. */
  refresh(why = 'requested'): Promise<StoredTokens> {
    if (!this.tokens) {
      return Promise.reject(new CarDataError('login_required', 'Not logged in: log in from the account node.'));
    }
    if (this.state === 'login_required') {
      return Promise.reject(new CarDataError('login_required', this.reason ?? 'Log in again.'));
    }
    this.inflight ??= this.doRefresh(this.tokens, why).finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  /** Forget the tokens and delete their file (the node was removed, or the user logs out). */
  clear(): void {
    this.stopTimer();
    this.tokens = undefined;
    this.options.file.remove();
    this.setState('logged_out');
  }

  stop(): void {
    this.stopped = true;
    this.stopTimer();
  }

  private async doRefresh(from: StoredTokens, why: string): Promise<StoredTokens> {
    this.stopTimer();
    this.setState('refreshing', why);
    const body = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: from.refreshToken,
      client_id: this.options.clientId,
    });
    let res;
    try {
      res = await this.http.post<unknown>(
        this.options.authBaseUrl.replace(/\/$/, '') + '/gcdm/oauth/token',
        body.toString(),
        {
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
          timeout: this.options.timeoutMs ?? 30_000,
          validateStatus: () => true,
        },
      );
    } catch (err) {
      throw this.retryLater(networkError(err));
    }
    if (res.status === 200) {
      const response = res.data as TokenResponse;
      if (!response?.access_token) {
        throw this.retryLater(new CarDataError('invalid_response', 'BMW answered the refresh without tokens.'));
      }
      const stored = toStoredTokens(this.options.clientId, response, this.options.clock.now(), from);
      this.adopt(stored, true);
      return stored;
    }
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      throw this.retryLater(new CarDataError('server_error', `BMW's login service answered ${res.status}.`));
    }
    // 4xx: the refresh token is refused (expired after 14 days, revoked, client de-subscribed). Only a new login helps.
    const err = oauthError(res.status, res.data, 'refreshing the tokens');
    const message =
      'BMW refused the refresh token (it expires after 14 days unused, or the client was de-subscribed). ' +
      'Log in again from the account node.';
    this.setState('login_required', message);
    throw new CarDataError('login_required', message, { status: err.status, code: err.code });
  }

  private adopt(tokens: StoredTokens, persist: boolean): void {
    for (const secret of [tokens.accessToken, tokens.refreshToken, tokens.idToken]) registerSecret(secret);
    // Written before anyone uses the new set: the old refresh token is already spent on BMW's side.
    if (persist) this.options.file.save(tokens);
    this.tokens = tokens;
    this.retryMs = RETRY_FIRST_MS;
    this.setState('valid');
    this.schedule(tokens);
    this.emit('tokens', tokens);
  }

  private retryLater(err: CarDataError): CarDataError {
    this.setState('retrying', err.message);
    const delay = this.retryMs;
    this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
    if (!this.stopped)
      this.timer = this.options.clock.setTimeout(() => void this.refresh('retry').catch(() => {}), delay);
    return err;
  }

  private schedule(tokens: StoredTokens): void {
    this.stopTimer();
    if (this.stopped) return;
    const due = Math.max(0, tokens.expiresAt - this.margin(tokens) - this.options.clock.now());
    this.timer = this.options.clock.setTimeout(() => void this.refresh('scheduled').catch(() => {}), due);
  }

  private margin(tokens: StoredTokens): number {
    const lifetime = Math.max(1000, tokens.expiresAt - tokens.receivedAt);
    return Math.min(REFRESH_MARGIN_MS, lifetime / 4);
  }

  private stopTimer(): void {
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private setState(state: TokenState, reason?: string): void {
    const changed = state !== this.state || reason !== this.reason;
    this.state = state;
    this.reason = reason;
    if (changed) this.emit('state', state, reason);
  }
}
