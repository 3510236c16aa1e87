import assert from 'node:assert/strict';
import { ManualClock } from '../../src/cardata/clock';
import { AccountRegistry } from '../../src/sim/accounts';
import { TokenRegistry } from '../../src/sim/tokens';

describe('simulator token registry', () => {
  const clock = new ManualClock('2026-03-02T10:00:00Z');
  const accounts = new AccountRegistry();
  const account = accounts.add({ vins: ['WBA00000000000001'] });
  const tokens = new TokenRegistry(clock, { tokenTtlSec: 60, refreshTtlSec: 600 });

  it('issues BMW-shaped tokens with an RS256 id_token only for openid', () => {
    const withId = tokens.issue(account, ['openid', 'cardata:streaming:read']);
    assert.equal(withId.token_type, 'Bearer');
    assert.equal(withId.expires_in, 59);
    assert.equal(withId.gcid, account.gcid);
    const [header, claims] = withId
      .id_token!.split('.')
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    assert.equal(header.alg, 'RS256');
    assert.equal(claims.exp - claims.iat, 60);
    assert.equal(claims.aud, account.clientId);
    assert.ok(withId.id_token!.length > 800, 'real id_tokens are about 1,300 characters');
    assert.equal(tokens.issue(account, ['cardata:api:read']).id_token, undefined);
  });

  it('expires access and id tokens on the clock', () => {
    const set = tokens.issue(account, ['openid', 'cardata:api:read']);
    assert.equal(tokens.checkAccess(set.access_token).ok, true);
    assert.equal(tokens.checkIdToken(account.gcid, set.id_token!).ok, true);
    assert.deepEqual(tokens.checkIdToken('someone-else', set.id_token!), { ok: false, reason: 'wrong_gcid' });
    clock.advance(60_000);
    assert.deepEqual(tokens.checkAccess(set.access_token), { ok: false, reason: 'expired' });
    assert.deepEqual(tokens.checkIdToken(account.gcid, set.id_token!), { ok: false, reason: 'expired' });
  });

  it('rotates refresh tokens and refuses the old one', () => {
    const first = tokens.issue(account, ['openid', 'cardata:api:read']);
    const second = tokens.refreshGrant(account.clientId, first.refresh_token);
    assert.ok(second.ok);
    assert.notEqual(second.tokens.refresh_token, first.refresh_token);
    assert.notEqual(second.tokens.id_token, first.id_token);
    assert.equal(tokens.refreshGrant(account.clientId, first.refresh_token).ok, false);
  });

  it('refuses a refresh token past its lifetime, for another client, and after revocation', () => {
    const set = tokens.issue(account, ['openid']);
    assert.equal(tokens.refreshGrant('00000000-0000-0000-0000-000000000000', set.refresh_token).ok, false);
    const revoked: string[] = [];
    tokens.on('revoked', (gcid: string) => revoked.push(gcid));
    const other = tokens.issue(account, ['openid']);
    tokens.revokeClient(account.clientId);
    assert.deepEqual(revoked, [account.gcid]);
    assert.equal(tokens.refreshGrant(account.clientId, other.refresh_token).ok, false);
    assert.equal(tokens.checkAccess(other.access_token).ok, false);
    const late = tokens.issue(account, ['openid']);
    clock.advance(600_000);
    const result = tokens.refreshGrant(account.clientId, late.refresh_token);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.error, 'invalid_grant');
  });

  it('never widens the scope on refresh', () => {
    const set = tokens.issue(account, ['openid', 'cardata:streaming:read']);
    const result = tokens.refreshGrant(account.clientId, set.refresh_token, ['openid', 'cardata:api:read']);
    assert.ok(result.ok);
    assert.equal(result.tokens.scope, 'openid');
  });
});
