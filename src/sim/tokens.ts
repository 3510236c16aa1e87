import { EventEmitter } from 'node:events';
import { createSign, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import type { Clock } from '../cardata/clock';
import type { TokenResponse } from '../cardata/wire';
import type { SimAccount } from './accounts';

export interface TokenOptions {
  /** Lifetime of access and id tokens in seconds (BMW: 3600, `expires_in` 3599). */
  tokenTtlSec: number;
  /** Lifetime of a refresh token in seconds (BMW: 14 days). */
  refreshTtlSec: number;
  /** Whether a refresh makes the previous refresh token unusable (BMW's behaviour is unconfirmed, §11.3). */
  rotationInvalidatesOld: boolean;
}

export const DEFAULT_TOKEN_OPTIONS: TokenOptions = {
  tokenTtlSec: 3600,
  refreshTtlSec: 1_209_600,
  rotationInvalidatesOld: true,
};

interface Grant {
  account: SimAccount;
  scope: string[];
  expiresAt: number;
}

export type AccessCheck =
  { ok: true; account: SimAccount; scope: string[]; expiresAt: number } | { ok: false; reason: 'invalid' | 'expired' };

export type IdTokenCheck =
  { ok: true; account: SimAccount; expiresAt: number } | { ok: false; reason: 'invalid' | 'expired' | 'wrong_gcid' };

export type RefreshResult =
  { ok: true; tokens: TokenResponse } | { ok: false; error: 'invalid_grant' | 'invalid_request'; description: string };

/**
 * The token side of BMW's identity provider: issues opaque access and refresh tokens and RS256 id_tokens, rotates
 * them on refresh, expires them on the injected clock and revokes them when a client is de-subscribed.
 * Emits `revoked` (gcid) so the broker can close that account's sessions.
 */
export class TokenRegistry extends EventEmitter {
  readonly options: TokenOptions;
  private readonly access = new Map<string, Grant>();
  private readonly idTokens = new Map<string, Grant>();
  private readonly refresh = new Map<string, Grant>();
  private readonly signingKey: KeyObject;
  private readonly kid = randomBytes(8).toString('hex');
  private issued = 0;

  constructor(
    private readonly clock: Clock,
    options: Partial<TokenOptions> = {},
  ) {
    super();
    this.options = { ...DEFAULT_TOKEN_OPTIONS, ...options };
    this.signingKey = signingKey();
  }

  /** How many token sets have been issued (device grant and refresh together). */
  get issuedCount(): number {
    return this.issued;
  }

  issue(account: SimAccount, scope: string[]): TokenResponse {
    const now = this.clock.now();
    const grant: Grant = { account, scope, expiresAt: now + this.options.tokenTtlSec * 1000 };
    const accessToken = opaque(39);
    const refreshToken = opaque(34);
    this.access.set(accessToken, grant);
    this.refresh.set(refreshToken, { ...grant, expiresAt: now + this.options.refreshTtlSec * 1000 });
    const response: TokenResponse = {
      access_token: accessToken,
      token_type: 'Bearer',
      // BMW answers 3599 for a one-hour token: the second already spent issuing it.
      expires_in: Math.max(1, this.options.tokenTtlSec - 1),
      refresh_token: refreshToken,
      scope: scope.join(' '),
      gcid: account.gcid,
    };
    if (scope.includes('openid')) {
      const idToken = this.signIdToken(account, now, grant.expiresAt);
      this.idTokens.set(idToken, grant);
      response.id_token = idToken;
    }
    this.issued++;
    return response;
  }

  refreshGrant(clientId: string, refreshToken: string, requestedScope?: string[]): RefreshResult {
    const grant = this.refresh.get(refreshToken);
    const invalid = {
      ok: false as const,
      error: 'invalid_grant' as const,
      description: 'The provided access grant is invalid, expired, or revoked.',
    };
    if (!grant) return invalid;
    if (grant.account.clientId.toLowerCase() !== clientId.toLowerCase()) return invalid;
    if (grant.expiresAt <= this.clock.now()) {
      this.refresh.delete(refreshToken);
      return invalid;
    }
    if (this.options.rotationInvalidatesOld) this.refresh.delete(refreshToken);
    // A refresh may narrow the scope but never widen it.
    const scope = requestedScope?.length ? requestedScope.filter((s) => grant.scope.includes(s)) : grant.scope;
    return { ok: true, tokens: this.issue(grant.account, scope) };
  }

  checkAccess(accessToken: string): AccessCheck {
    const grant = this.access.get(accessToken);
    if (!grant) return { ok: false, reason: 'invalid' };
    if (grant.expiresAt <= this.clock.now()) return { ok: false, reason: 'expired' };
    return { ok: true, account: grant.account, scope: grant.scope, expiresAt: grant.expiresAt };
  }

  checkIdToken(gcid: string, idToken: string): IdTokenCheck {
    const grant = this.idTokens.get(idToken);
    if (!grant) return { ok: false, reason: 'invalid' };
    if (grant.account.gcid !== gcid) return { ok: false, reason: 'wrong_gcid' };
    if (grant.expiresAt <= this.clock.now()) return { ok: false, reason: 'expired' };
    return { ok: true, account: grant.account, expiresAt: grant.expiresAt };
  }

  /** The portal's "de-subscribe client": every token of that client stops working at once (§9.7). */
  revokeClient(clientId: string): void {
    const account = [...this.refresh.values(), ...this.access.values()].find(
      (g) => g.account.clientId.toLowerCase() === clientId.toLowerCase(),
    )?.account;
    for (const map of [this.access, this.idTokens, this.refresh]) {
      for (const [token, grant] of map) {
        if (grant.account.clientId.toLowerCase() === clientId.toLowerCase()) map.delete(token);
      }
    }
    if (account) this.emit('revoked', account.gcid);
  }

  /** Revoke only the refresh tokens (a refresh token that "went bad" while access tokens still run out their time). */
  revokeRefreshTokens(clientId?: string): number {
    let count = 0;
    for (const [token, grant] of this.refresh) {
      if (!clientId || grant.account.clientId.toLowerCase() === clientId.toLowerCase()) {
        this.refresh.delete(token);
        count++;
      }
    }
    return count;
  }

  /** Drop expired entries so a long run does not grow without bound. */
  prune(): void {
    const now = this.clock.now();
    for (const map of [this.access, this.idTokens, this.refresh]) {
      for (const [token, grant] of map) if (grant.expiresAt <= now) map.delete(token);
    }
  }

  private signIdToken(account: SimAccount, now: number, expiresAt: number): string {
    const header = { typ: 'JWT', kid: this.kid, alg: 'RS256' };
    const iat = Math.floor(now / 1000);
    const claims = {
      at_hash: opaque(16),
      sub: `sim-user-${account.gcid.slice(0, 8)}`,
      auditTrackingId: `${randomUUID()}-${this.issued}`,
      iss: 'https://customer.bmwgroup.com/am/oauth2',
      tokenName: 'id_token',
      aud: account.clientId,
      azp: account.clientId,
      c_hash: opaque(16),
      acr: '0',
      s_hash: opaque(16),
      auth_time: iat,
      realm: '/customer',
      tokenType: 'JWTToken',
      iat,
      exp: Math.floor(expiresAt / 1000),
      jti: randomUUID(),
    };
    const body = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(body).sign(this.signingKey);
    return `${body}.${signature.toString('base64url')}`;
  }
}

let sharedKey: KeyObject | undefined;

/** One RSA key per process: generating one takes up to a second here, and every simulator instance may share it. */
function signingKey(): KeyObject {
  sharedKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  return sharedKey;
}

function opaque(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

function b64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
