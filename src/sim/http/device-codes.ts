import { createHmac, randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { Clock } from '../../cardata/clock';
import type { SimAccount } from '../accounts';
import { pkceChallenge } from '../../cardata/pkce';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ISSUER = 'https://customer.bmwgroup.com/am/oauth2';

export type DeviceCodeState = 'pending' | 'approved' | 'denied' | 'burnt' | 'redeemed';

export interface DeviceCodeEntry {
  deviceCode: string;
  userCode: string;
  account: SimAccount;
  /** Scopes as requested; what is granted is decided when the code is redeemed. */
  scope: string[];
  codeChallenge: string;
  issuedAt: number;
  expiresAt: number;
  /** Grows by 5 s with every slow_down (RFC 8628 §3.5). */
  intervalSec: number;
  lastPollAt?: number;
  autoApproveAt?: number;
  state: DeviceCodeState;
}

export interface DeviceCodeSettings {
  deviceCodeTtlSec: number;
  pollIntervalSec: number;
  autoApprove: boolean | number;
}

export type Decision = 'approved' | 'denied' | 'unknown' | 'expired' | 'already-decided';

/** What a token poll gets, before the route adds faults and issues tokens. */
export type PollOutcome =
  { kind: 'approved'; entry: DeviceCodeEntry } | { kind: 'error'; status: number; error: string; description: string };

export interface PendingDeviceCode {
  userCode: string;
  clientId: string;
  gcid: string;
  scope: string;
  expiresAt: string;
}

const INVALID_GRANT = 'The provided access grant is invalid, expired, or revoked.';

/**
 * BMW's device authorization store: device and user codes, their lifetime, the user's decision and the polling
 * discipline. Expiry and auto-approval are judged lazily against the clock, so no timer is needed.
 */
export class DeviceCodeStore {
  private readonly byDeviceCode = new Map<string, DeviceCodeEntry>();
  private readonly byUserCode = new Map<string, DeviceCodeEntry>();
  private readonly signingKey = randomBytes(32);

  constructor(
    private readonly clock: Clock,
    private readonly settings: DeviceCodeSettings,
  ) {}

  create(account: SimAccount, scope: string[], codeChallenge: string): DeviceCodeEntry {
    this.forgetStale();
    const now = this.clock.now();
    const userCode = this.newUserCode();
    const ttlSec = this.settings.deviceCodeTtlSec;
    const auto = this.settings.autoApprove;
    const entry: DeviceCodeEntry = {
      deviceCode: this.signDeviceCode(userCode, now, ttlSec),
      userCode,
      account,
      scope,
      codeChallenge,
      issuedAt: now,
      expiresAt: now + ttlSec * 1000,
      intervalSec: this.settings.pollIntervalSec,
      autoApproveAt: auto === true ? now : typeof auto === 'number' && auto !== 0 ? now + auto * 1000 : undefined,
      state: 'pending',
    };
    this.byDeviceCode.set(entry.deviceCode, entry);
    this.byUserCode.set(userCode, entry);
    return entry;
  }

  /** The live entry for a user code (as typed on the approval page); undefined if unknown. */
  lookup(userCode: string): DeviceCodeEntry | undefined {
    const entry = this.byUserCode.get(userCode.trim());
    if (entry) this.settle(entry);
    return entry;
  }

  isExpired(entry: DeviceCodeEntry): boolean {
    return this.clock.now() >= entry.expiresAt;
  }

  approve(userCode: string): Decision {
    return this.decide(userCode, 'approved');
  }

  deny(userCode: string): Decision {
    return this.decide(userCode, 'denied');
  }

  /** Codes waiting for the user, newest first. */
  pending(): PendingDeviceCode[] {
    for (const entry of this.byUserCode.values()) this.settle(entry);
    return [...this.byUserCode.values()]
      .filter((e) => e.state === 'pending' && !this.isExpired(e))
      .sort((a, b) => b.issuedAt - a.issuedAt)
      .map((e) => ({
        userCode: e.userCode,
        clientId: e.account.clientId,
        gcid: e.account.gcid,
        scope: e.scope.join(' '),
        expiresAt: new Date(e.expiresAt).toISOString(),
      }));
  }

  /** One token-endpoint poll with the device code, judged in BMW's order. */
  poll(clientId: string, deviceCode: string, codeVerifier: string): PollOutcome {
    const entry = this.byDeviceCode.get(deviceCode);
    if (!entry || entry.account.clientId.toLowerCase() !== clientId.toLowerCase()) {
      return error(400, 'invalid_grant', INVALID_GRANT);
    }
    this.settle(entry);
    if (entry.state === 'redeemed') return error(400, 'invalid_grant', INVALID_GRANT);
    if (this.isExpired(entry)) return error(401, 'expired_token', 'The code is expired');
    if (pkceChallenge(codeVerifier) !== entry.codeChallenge) return error(400, 'invalid_grant', INVALID_GRANT);
    if (entry.state === 'denied' || entry.state === 'burnt') {
      return error(403, 'access_denied', 'The user has declined authorization');
    }
    if (entry.state === 'approved') return { kind: 'approved', entry };
    // Like ForgeRock, the polling rate is only policed while the user has not decided yet.
    const now = this.clock.now();
    const tooSoon = entry.lastPollAt !== undefined && now - entry.lastPollAt < entry.intervalSec * 1000;
    entry.lastPollAt = now;
    if (tooSoon) {
      entry.intervalSec += 5;
      return error(400, 'slow_down', 'The polling interval has not elapsed since the last request');
    }
    return error(403, 'authorization_pending', 'The user has not yet completed authorization');
  }

  /** Tokens were issued: the code cannot be used again. */
  redeem(entry: DeviceCodeEntry): void {
    entry.state = 'redeemed';
  }

  /** BMW's gateway fault consumed the code: every later poll answers access_denied (§9.2). */
  burn(entry: DeviceCodeEntry): void {
    entry.state = 'burnt';
  }

  private decide(userCode: string, decision: 'approved' | 'denied'): Decision {
    const entry = this.lookup(userCode);
    if (!entry) return 'unknown';
    if (this.isExpired(entry)) return 'expired';
    if (entry.state !== 'pending') return 'already-decided';
    entry.state = decision;
    return decision;
  }

  private settle(entry: DeviceCodeEntry): void {
    if (entry.state === 'pending' && entry.autoApproveAt !== undefined && entry.autoApproveAt <= this.clock.now()) {
      if (!this.isExpired(entry)) entry.state = 'approved';
    }
  }

  /** Drop codes that expired over an hour ago, so a long-running simulator does not grow. */
  private forgetStale(): void {
    const cutoff = this.clock.now() - 3_600_000;
    for (const [code, entry] of this.byDeviceCode) {
      if (entry.expiresAt < cutoff) {
        this.byDeviceCode.delete(code);
        this.byUserCode.delete(entry.userCode);
      }
    }
  }

  private newUserCode(): string {
    for (;;) {
      let code = '';
      while (code.length < 8) code += LETTERS[randomInt(LETTERS.length)];
      if (!this.byUserCode.has(code)) return code;
    }
  }

  /** A compact HS256 JWT like BMW's (claims aud, iss, nbf, iat, exp, jti, user_code); clients treat it as opaque. */
  private signDeviceCode(userCode: string, now: number, ttlSec: number): string {
    const iat = Math.floor(now / 1000);
    const header = { typ: 'JWT', alg: 'HS256' };
    const claims = {
      aud: ISSUER,
      nbf: iat,
      user_code: userCode,
      iss: ISSUER,
      exp: iat + ttlSec,
      iat,
      jti: randomUUID(),
    };
    const body = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    return `${body}.${createHmac('sha256', this.signingKey).update(body).digest('base64url')}`;
  }
}

function error(status: number, code: string, description: string): PollOutcome {
  return { kind: 'error', status, error: code, description };
}

function b64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
