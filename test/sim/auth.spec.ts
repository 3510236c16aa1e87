import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { DEFAULT_SCOPE, DEVICE_CODE_GRANT } from '../../src/cardata/wire';
import { GATEWAY_FAULT_BODY } from '../../src/sim/http/auth-routes';
import { deviceCodeApi } from '../helpers/openapi';
import { assertCustomerError, postForm, startSimHttp, type Harness } from '../helpers/sim-http';

const spec = deviceCodeApi();
const TOKEN_PATH = '/gcdm/oauth/token';
const CODE_PATH = '/gcdm/oauth/device/code';

function pkce() {
  const verifier = randomBytes(64).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

describe('simulator HTTP: device-code login', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startSimHttp({ tokenOptions: { tokenTtlSec: 3600, refreshTtlSec: 600 } });
  });
  afterEach(() => h.close());

  async function requestCode(scope = DEFAULT_SCOPE, clientId = h.account.clientId) {
    const keys = pkce();
    const res = await postForm(h.base + CODE_PATH, {
      client_id: clientId,
      response_type: 'device_code',
      scope,
      code_challenge: keys.challenge,
      code_challenge_method: 'S256',
    });
    return { ...res, ...keys };
  }

  function poll(deviceCode: string, verifier: string, clientId = h.account.clientId) {
    return postForm(h.base + TOKEN_PATH, {
      client_id: clientId,
      grant_type: DEVICE_CODE_GRANT,
      device_code: deviceCode,
      code_verifier: verifier,
    });
  }

  function assertOAuthError(res: { status: number; body: any }, status: number, error: string) {
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.body.error, error);
    assert.equal(typeof res.body.error_description, 'string');
  }

  it('hands out BMW-shaped device and user codes', async () => {
    const res = await requestCode();
    assert.equal(res.status, 200);
    spec.assertResponse(CODE_PATH, 'post', 200, res.body);
    assert.match(res.body.user_code, /^[A-Za-z]{8}$/);
    assert.equal(res.body.interval, 5);
    assert.equal(res.body.expires_in, 300);
    assert.equal(res.body.verification_uri, `${h.base}/oneid/link`);
    assert.equal(res.body.verification_uri_complete, `${h.base}/oneid/link?user_code=${res.body.user_code}`);
    const [header, claims] = (res.body.device_code as string)
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    assert.deepEqual(header, { typ: 'JWT', alg: 'HS256' });
    assert.equal(claims.user_code, res.body.user_code);
    assert.equal(claims.exp - claims.iat, 300);
  });

  it('builds verification URIs from options.baseUrl when given', async () => {
    h.sim.options.baseUrl = 'https://sim.example:8443/';
    const res = await requestCode();
    assert.equal(res.body.verification_uri, 'https://sim.example:8443/oneid/link');
  });

  it('refuses bad device-code requests with invalid_request and unknown clients with invalid_client', async () => {
    const { challenge } = pkce();
    const good = {
      client_id: h.account.clientId,
      response_type: 'device_code',
      scope: DEFAULT_SCOPE,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };
    const cases: [Record<string, string>, number, string][] = [
      [{ ...good, client_id: '' }, 400, 'invalid_request'],
      [{ ...good, client_id: 'not-a-uuid' }, 400, 'invalid_request'],
      [{ ...good, response_type: 'code' }, 400, 'invalid_request'],
      [{ ...good, code_challenge: '' }, 400, 'invalid_request'],
      [{ ...good, code_challenge: 'short' }, 400, 'invalid_request'],
      [{ ...good, code_challenge_method: 'plain' }, 400, 'invalid_request'],
      [{ ...good, scope: '' }, 400, 'invalid_request'],
      [{ ...good, scope: 'openid admin:everything' }, 400, 'invalid_scope'],
      [{ ...good, client_id: '00000000-0000-4000-8000-000000000000' }, 401, 'invalid_client'],
    ];
    for (const [fields, status, error] of cases) {
      const res = await postForm(h.base + CODE_PATH, fields);
      assertOAuthError(res, status, error);
      if (status === 400) spec.assertResponse(CODE_PATH, 'post', 400, res.body);
    }
    const repeated = await fetch(h.base + CODE_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `${new URLSearchParams(good).toString()}&scope=openid`,
    });
    assert.equal(repeated.status, 400);
    const json = await fetch(h.base + CODE_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(good),
    });
    assert.equal(json.status, 400, 'BMW requires a form-encoded body');
  });

  it('runs the whole lifecycle: pending, slow_down with a growing interval, approval on the page, tokens, reuse', async () => {
    const code = await requestCode();
    const first = await poll(code.body.device_code, code.verifier);
    assertOAuthError(first, 403, 'authorization_pending');
    spec.assertResponse(TOKEN_PATH, 'post', 403, first.body);

    h.clock.advance(1000);
    const tooFast = await poll(code.body.device_code, code.verifier);
    assertOAuthError(tooFast, 400, 'slow_down');
    spec.assertResponse(TOKEN_PATH, 'post', 400, tooFast.body);
    // RFC 8628: every slow_down adds 5 s for good: 10 s, so 6 s later is too fast (15 s), 14 s later too (20 s).
    h.clock.advance(6000);
    assertOAuthError(await poll(code.body.device_code, code.verifier), 400, 'slow_down');
    h.clock.advance(14_000);
    assertOAuthError(await poll(code.body.device_code, code.verifier), 400, 'slow_down');
    h.clock.advance(20_000);
    assertOAuthError(await poll(code.body.device_code, code.verifier), 403, 'authorization_pending');

    const page = await fetch(code.body.verification_uri_complete as string);
    const html = await page.text();
    assert.equal(page.status, 200);
    assert.match(html, /<form method="post" action="\/oneid\/link">/);
    assert.match(html, new RegExp(`id="user_code" name="user_code" value="${code.body.user_code}"`));
    assert.match(html, /id="approve" type="submit" name="decision" value="approve"/);
    assert.match(html, /id="deny" type="submit" name="decision" value="deny"/);
    assert.ok(html.includes(h.account.gcid), 'the page names the account it will grant');
    assert.ok(html.includes('cardata:api:read') && html.includes('cardata:streaming:read'));
    assert.doesNotMatch(html, /<(link|script|img)\b/i, 'self-contained page');

    const approved = await postForm(`${h.base}/oneid/link`, { user_code: code.body.user_code, decision: 'approve' });
    assert.equal(approved.status, 200);
    assert.match(approved.body, /data-outcome="approved"/);

    h.clock.advance(15_000);
    const tokens = await poll(code.body.device_code, code.verifier);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    spec.assertResponse(TOKEN_PATH, 'post', 200, tokens.body);
    assert.equal(tokens.body.gcid, h.account.gcid);
    assert.equal(tokens.body.token_type, 'Bearer');
    assert.equal(tokens.body.scope, DEFAULT_SCOPE);
    assert.ok(tokens.body.id_token, 'openid was asked, so there is an id_token');
    assert.equal(h.tokens.checkIdToken(h.account.gcid, tokens.body.id_token).ok, true);

    h.clock.advance(15_000);
    assertOAuthError(await poll(code.body.device_code, code.verifier), 400, 'invalid_grant');
  });

  it('expires codes after expires_in and says so on the page', async () => {
    const code = await requestCode();
    h.clock.advance(299_000);
    assertOAuthError(await poll(code.body.device_code, code.verifier), 403, 'authorization_pending');
    h.clock.advance(1000);
    const expired = await poll(code.body.device_code, code.verifier);
    assertOAuthError(expired, 401, 'expired_token');
    spec.assertResponse(TOKEN_PATH, 'post', 401, expired.body);
    const late = await postForm(`${h.base}/oneid/link`, { user_code: code.body.user_code, decision: 'approve' });
    assert.equal(late.status, 410);
    assert.match(late.body, /expired/);
    assert.deepEqual(h.sim.deviceCodes.pending(), []);
  });

  it('answers access_denied after the user denies on the page', async () => {
    const code = await requestCode();
    const denied = await postForm(`${h.base}/oneid/link`, { user_code: code.body.user_code, decision: 'deny' });
    assert.equal(denied.status, 200);
    assert.match(denied.body, /data-outcome="denied"/);
    const res = await poll(code.body.device_code, code.verifier);
    assertOAuthError(res, 403, 'access_denied');
    spec.assertResponse(TOKEN_PATH, 'post', 403, res.body);
    const again = await postForm(`${h.base}/oneid/link`, { user_code: code.body.user_code, decision: 'approve' });
    assert.equal(again.status, 409, 'a decided code cannot be approved afterwards');
  });

  it('refuses PKCE mismatches, unknown codes, unknown clients and malformed polls', async () => {
    const code = await requestCode();
    h.sim.deviceCodes.approve(code.body.user_code);
    assertOAuthError(await poll(code.body.device_code, pkce().verifier), 400, 'invalid_grant');
    assertOAuthError(await poll('not-a-device-code', code.verifier), 400, 'invalid_grant');
    const stranger = h.accounts.add({ vins: [] });
    assertOAuthError(await poll(code.body.device_code, code.verifier, stranger.clientId), 400, 'invalid_grant');
    const unknown = await poll(code.body.device_code, code.verifier, '00000000-0000-4000-8000-000000000000');
    assertOAuthError(unknown, 401, 'invalid_client');
    spec.assertResponse(TOKEN_PATH, 'post', 401, unknown.body);
    const noVerifier = await postForm(h.base + TOKEN_PATH, {
      client_id: h.account.clientId,
      grant_type: DEVICE_CODE_GRANT,
      device_code: code.body.device_code,
    });
    assertOAuthError(noVerifier, 400, 'invalid_request');
    assertOAuthError(await postForm(h.base + TOKEN_PATH, { client_id: h.account.clientId }), 400, 'invalid_request');
    const password = await postForm(h.base + TOKEN_PATH, { grant_type: 'password', client_id: h.account.clientId });
    assertOAuthError(password, 400, 'unsupported_grant_type');
    // The code survived all of that: the right verifier still redeems it.
    assert.equal((await poll(code.body.device_code, code.verifier)).status, 200);
  });

  it('reproduces the gateway fault once on an approved code, which then answers access_denied', async () => {
    const code = await requestCode();
    h.sim.deviceCodes.approve(code.body.user_code);
    h.faults.set({ authGatewayFault: 1 });
    const fault = await poll(code.body.device_code, code.verifier);
    assert.equal(fault.status, 500);
    assert.deepEqual(fault.body, GATEWAY_FAULT_BODY);
    assert.deepEqual(fault.body, {
      fault: {
        faultstring: 'Invalid Access Token',
        detail: { errorcode: 'keymanagement.service.invalid_access_token' },
      },
    });
    h.clock.advance(5000);
    assertOAuthError(await poll(code.body.device_code, code.verifier), 403, 'access_denied');
    const fresh = await requestCode();
    h.sim.deviceCodes.approve(fresh.body.user_code);
    assert.equal((await poll(fresh.body.device_code, fresh.verifier)).status, 200, 'the fault fired only once');
  });

  it('answers 503 for authFailNext and delays by authDelayMs', async () => {
    const code = await requestCode();
    h.faults.set({ authFailNext: 2 });
    assert.equal((await poll(code.body.device_code, code.verifier)).status, 503);
    assert.equal((await poll(code.body.device_code, code.verifier)).status, 503);
    assertOAuthError(await poll(code.body.device_code, code.verifier), 403, 'authorization_pending');
    h.faults.set({ authDelayMs: 120 });
    h.clock.advance(5000);
    const started = performance.now();
    await poll(code.body.device_code, code.verifier);
    assert.ok(performance.now() - started >= 110, 'the answer waited for the configured latency');
  });

  it('auto-approves after options.autoApprove seconds on the clock, or at once with true', async () => {
    h.sim.options.autoApprove = 30;
    const later = await requestCode();
    assertOAuthError(await poll(later.body.device_code, later.verifier), 403, 'authorization_pending');
    assert.equal(h.sim.deviceCodes.pending().length, 1);
    h.clock.advance(30_000);
    assert.equal((await poll(later.body.device_code, later.verifier)).status, 200);
    h.sim.options.autoApprove = true;
    const now = await requestCode();
    assert.equal((await poll(now.body.device_code, now.verifier)).status, 200);
  });

  it('lists pending codes and approves or denies them programmatically', async () => {
    const a = await requestCode();
    h.clock.advance(1000);
    const b = await requestCode('openid cardata:streaming:read');
    const pending = h.sim.deviceCodes.pending();
    assert.deepEqual(
      pending.map((p) => p.userCode),
      [b.body.user_code, a.body.user_code],
    );
    assert.equal(pending[0].gcid, h.account.gcid);
    assert.equal(pending[0].scope, 'openid cardata:streaming:read');
    assert.equal(h.sim.deviceCodes.approve(a.body.user_code), 'approved');
    assert.equal(h.sim.deviceCodes.deny(b.body.user_code), 'denied');
    assert.equal(h.sim.deviceCodes.approve('ZZZZZZZZ'), 'unknown');
    assert.deepEqual(h.sim.deviceCodes.pending(), []);
  });

  it('grants only subscribed scopes, an id_token only with openid, and nothing to a client without subscriptions', async () => {
    const apiOnly = h.accounts.add({ vins: ['WBA00000000000001'], subscribedStream: false });
    const code = await requestCode(DEFAULT_SCOPE, apiOnly.clientId);
    h.sim.deviceCodes.approve(code.body.user_code);
    const granted = await poll(code.body.device_code, code.verifier, apiOnly.clientId);
    assert.equal(granted.body.scope, 'authenticate_user openid cardata:api:read');

    const streamOnly = h.accounts.add({ vins: ['WBA00000000000001'], subscribedApi: false });
    const code2 = await requestCode(DEFAULT_SCOPE, streamOnly.clientId);
    h.sim.deviceCodes.approve(code2.body.user_code);
    const streamTokens = await poll(code2.body.device_code, code2.verifier, streamOnly.clientId);
    assert.equal(streamTokens.body.scope, 'authenticate_user openid cardata:streaming:read');
    const rest = await fetch(`${h.base}/customers/vehicles/mappings`, {
      headers: { authorization: `Bearer ${streamTokens.body.access_token}`, 'x-version': 'v1' },
    });
    assertCustomerError({ status: rest.status, body: await rest.json() }, 403, 'CU-103');

    const code3 = await requestCode('authenticate_user cardata:api:read');
    h.sim.deviceCodes.approve(code3.body.user_code);
    const noOpenId = await poll(code3.body.device_code, code3.verifier);
    assert.equal(noOpenId.status, 200);
    assert.equal(noOpenId.body.id_token, undefined);
    spec.assertResponse(TOKEN_PATH, 'post', 200, noOpenId.body);

    const none = h.accounts.add({ vins: [], subscribedApi: false, subscribedStream: false });
    const code4 = await requestCode(DEFAULT_SCOPE, none.clientId);
    h.sim.deviceCodes.approve(code4.body.user_code);
    assertOAuthError(await poll(code4.body.device_code, code4.verifier, none.clientId), 403, 'access_denied');
  });

  describe('refresh grant', () => {
    function refresh(fields: Record<string, string>) {
      return postForm(h.base + TOKEN_PATH, { grant_type: 'refresh_token', ...fields });
    }

    it('rotates every token and refuses the old refresh token afterwards', async () => {
      const first = h.tokens.issue(h.account, DEFAULT_SCOPE.split(' '));
      const second = await refresh({ client_id: h.account.clientId, refresh_token: first.refresh_token });
      assert.equal(second.status, 200);
      spec.assertResponse(TOKEN_PATH, 'post', 200, second.body);
      assert.equal(second.body.gcid, h.account.gcid);
      for (const key of ['access_token', 'refresh_token', 'id_token'] as const) {
        assert.notEqual(second.body[key], first[key], `${key} rotated`);
      }
      const reused = await refresh({ client_id: h.account.clientId, refresh_token: first.refresh_token });
      assertOAuthError(reused, 400, 'invalid_grant');
      spec.assertResponse(TOKEN_PATH, 'post', 400, reused.body);
      const narrowed = await refresh({
        client_id: h.account.clientId,
        refresh_token: second.body.refresh_token,
        scope: 'openid cardata:streaming:read',
      });
      assert.equal(narrowed.body.scope, 'openid cardata:streaming:read');
    });

    it('answers invalid_request, invalid_client and invalid_grant as BMW does', async () => {
      const set = h.tokens.issue(h.account, ['openid']);
      assertOAuthError(await refresh({ client_id: h.account.clientId }), 400, 'invalid_request');
      assertOAuthError(await refresh({ refresh_token: set.refresh_token }), 400, 'invalid_request');
      const unknownClient = { client_id: '00000000-0000-4000-8000-000000000000', refresh_token: set.refresh_token };
      assertOAuthError(await refresh(unknownClient), 401, 'invalid_client');
      assertOAuthError(await refresh({ client_id: h.account.clientId, refresh_token: 'nope' }), 400, 'invalid_grant');
      h.clock.advance(600_000);
      const expired = await refresh({ client_id: h.account.clientId, refresh_token: set.refresh_token });
      assertOAuthError(expired, 400, 'invalid_grant');
      const revokedSet = h.tokens.issue(h.account, ['openid']);
      h.tokens.revokeClient(h.account.clientId);
      const revoked = await refresh({ client_id: h.account.clientId, refresh_token: revokedSet.refresh_token });
      assertOAuthError(revoked, 400, 'invalid_grant');
    });
  });

  describe('approval page', () => {
    it('shows an empty code form, and a clear message for unknown codes', async () => {
      const blank = await fetch(`${h.base}/oneid/link`);
      const html = await blank.text();
      assert.equal(blank.status, 200);
      assert.match(blank.headers.get('content-type') ?? '', /text\/html/);
      assert.match(html, /id="user_code"[^>]*value=""/);
      assert.match(html, /id="approve"/);
      assert.doesNotMatch(html, /id="notice"/);
      const unknown = await (await fetch(`${h.base}/oneid/link?user_code=AbCdEfGh`)).text();
      assert.match(unknown, /id="notice"[^>]*>This code is not valid/);
      const missing = await postForm(`${h.base}/oneid/link`, { decision: 'approve' });
      assert.equal(missing.status, 400);
      const unknownPost = await postForm(`${h.base}/oneid/link`, { user_code: 'AbCdEfGh', decision: 'approve' });
      assert.equal(unknownPost.status, 404);
      assert.match(unknownPost.body, /not valid/);
    });

    it('escapes whatever it echoes', async () => {
      const evil = '"><script>alert(1)</script>';
      const html = await (await fetch(`${h.base}/oneid/link?user_code=${encodeURIComponent(evil)}`)).text();
      assert.ok(!html.includes('<script>'), 'no markup injected');
      assert.ok(html.includes('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;'));
    });
  });
});
