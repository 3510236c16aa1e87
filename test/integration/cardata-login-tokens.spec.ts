import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CarDataApi } from '../../src/cardata/api-client';
import { DeviceLogin } from '../../src/cardata/device-login';
import { CarDataError } from '../../src/cardata/errors';
import { QuotaLedger } from '../../src/cardata/quota-ledger';
import { TokenFile } from '../../src/cardata/token-file';
import { TokenManager } from '../../src/cardata/token-manager';
import { waitFor } from '../helpers/processes';
import { startSimHttp, type Harness } from '../helpers/sim-http';

/** Our client against the simulator's real HTTP endpoints; time is the harness's ManualClock. */
describe('CarData client: device-code login, tokens and REST against the simulator', function () {
  this.timeout(30_000);
  let sim: Harness;
  let dir: string;

  beforeEach(async () => {
    sim = await startSimHttp({ tokenOptions: { tokenTtlSec: 60, refreshTtlSec: 600 } });
    dir = mkdtempSync(join(tmpdir(), 'cardata-client-'));
  });
  afterEach(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const login = () => new DeviceLogin({ clientId: sim.account.clientId, authBaseUrl: sim.base, clock: sim.clock });
  /** Advance virtual time by one polling interval and let the real HTTP request finish. */
  const pollOnce = async (seconds = 5) => {
    sim.clock.advance(seconds * 1000);
    await new Promise((r) => setTimeout(r, 30));
  };

  it('logs in once the user approves, polling at the interval without being told to slow down', async () => {
    const l = login();
    const prompt = await l.start();
    assert.match(prompt.userCode, /^[A-Za-z]{8}$/);
    assert.ok(prompt.verificationUriComplete.endsWith(`user_code=${prompt.userCode}`));
    await pollOnce();
    assert.equal(l.state, 'waiting');
    sim.sim.deviceCodes.approve(prompt.userCode);
    sim.clock.advance(5000);
    const tokens = await l.result;
    assert.equal(l.state, 'approved');
    assert.equal(tokens.gcid, sim.account.gcid);
    assert.ok(tokens.id_token);
  });

  it('ends with a clear reason when the user denies, or the code expires', async () => {
    const denied = login();
    const prompt = await denied.start();
    sim.sim.deviceCodes.deny(prompt.userCode);
    sim.clock.advance(5000);
    await assert.rejects(
      denied.result,
      (err: CarDataError) => err.kind === 'auth_denied' && /denied/.test(err.message),
    );

    const expired = login();
    await expired.start();
    await pollOnce();
    await pollOnce(300);
    await assert.rejects(expired.result, (err: CarDataError) => err.kind === 'auth_expired');
    assert.equal(expired.state, 'expired');
  });

  it('refuses a client ID that is not a UUID before asking BMW, and names an unknown one', async () => {
    const bad = new DeviceLogin({ clientId: 'my-client', authBaseUrl: sim.base, clock: sim.clock });
    await assert.rejects(bad.start(), /UUID from the BMW portal/);
    const unknown = new DeviceLogin({
      clientId: '00000000-0000-4000-8000-000000000000',
      authBaseUrl: sim.base,
      clock: sim.clock,
    });
    await assert.rejects(unknown.start(), (err: CarDataError) => err.kind === 'auth_invalid_client');
  });

  it("reports BMW's keymanagement gateway fault as such", async () => {
    sim.faults.set({ authGatewayFault: 1 });
    const l = login();
    const prompt = await l.start();
    sim.sim.deviceCodes.approve(prompt.userCode);
    sim.clock.advance(5000);
    await assert.rejects(
      l.result,
      (err: CarDataError) => err.kind === 'auth_gateway_fault' && /lower case/.test(err.message),
    );
  });

  async function loggedInManager(): Promise<{ manager: TokenManager; file: TokenFile }> {
    const l = login();
    const prompt = await l.start();
    sim.sim.deviceCodes.approve(prompt.userCode);
    sim.clock.advance(5000);
    const file = new TokenFile(join(dir, 'acc.tokens.json'));
    const manager = new TokenManager({ clientId: sim.account.clientId, authBaseUrl: sim.base, clock: sim.clock, file });
    manager.loggedIn(await l.result);
    return { manager, file };
  }

  it('stores tokens mode 0600, refreshes them ahead of expiry with rotation, and a restart keeps the login', async () => {
    const { manager, file } = await loggedInManager();
    assert.equal(statSync(file.path).mode & 0o777, 0o600);
    const first = manager.current!;
    sim.clock.advance(45_000); // expires_in 59 s: refreshed when a quarter of it is left
    const second = await waitFor(() =>
      manager.current!.refreshToken !== first.refreshToken ? manager.current : undefined,
    );
    assert.notEqual(second.idToken, first.idToken);
    assert.equal(file.load().tokens!.refreshToken, second.refreshToken, 'the rotated refresh token is on disk');
    manager.stop();

    const restarted = new TokenManager({
      clientId: sim.account.clientId,
      authBaseUrl: sim.base,
      clock: sim.clock,
      file,
    });
    restarted.load();
    assert.equal(restarted.state, 'valid');
    assert.equal(await restarted.accessToken(), second.accessToken);
    restarted.stop();
  });

  it('goes to login_required once when BMW refuses the refresh token, and asks BMW no more', async () => {
    const { manager } = await loggedInManager();
    const states: string[] = [];
    manager.on('state', (s: string) => states.push(s));
    sim.tokens.revokeRefreshTokens(sim.account.clientId);
    const issued = sim.tokens.issuedCount;
    await assert.rejects(manager.refresh(), (err: CarDataError) => err.kind === 'login_required');
    assert.equal(manager.state, 'login_required');
    await assert.rejects(manager.refresh(), /refused the refresh token/);
    sim.clock.advance(3_600_000);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(sim.tokens.issuedCount, issued);
    assert.deepEqual(
      states.filter((s) => s === 'login_required'),
      ['login_required'],
    );
    manager.stop();
  });

  it('retries a refresh that failed with 5xx, with back-off, and recovers', async () => {
    const { manager } = await loggedInManager();
    sim.faults.set({ authFailNext: 2 });
    await assert.rejects(manager.refresh(), (err: CarDataError) => err.transient);
    assert.equal(manager.state, 'retrying');
    sim.clock.advance(30_000);
    await waitFor(() => (manager.state === 'retrying' && sim.faults.settings.authFailNext === 0 ? true : undefined));
    sim.clock.advance(60_000);
    await waitFor(() => (manager.state === 'valid' ? true : undefined));
    manager.stop();
  });

  it('spends from the ledger, refuses once it is empty without calling BMW, and honours CU-429', async () => {
    const { manager } = await loggedInManager();
    const ledger = new QuotaLedger(50);
    const api = new CarDataApi({ apiBaseUrl: sim.base, clock: sim.clock, tokens: manager, ledger });
    const mappings = await api.call('getMappings');
    assert.deepEqual(mappings.data, [
      { vin: sim.account.vins[0], mappedSince: sim.account.mappedSince, mappingType: 'PRIMARY' },
    ]);
    assert.equal(mappings.quota.used, 1);
    await assert.rejects(api.call('getBasicData', { vin: 'not-a-vin' }), /is not a VIN/);
    assert.equal(api.quota().used, 1, 'a refused VIN costs nothing');

    // Another client of the same account spent BMW's quota: BMW answers CU-429 and we stop until midnight UTC.
    for (let i = 0; i < 49; i++) sim.sim.quota.consume(sim.account.gcid);
    await assert.rejects(
      api.call('getMappings'),
      (err: CarDataError) => err.kind === 'quota_exhausted' && err.status === 403,
    );
    const served = sim.sim.quota.status(sim.account.gcid).used;
    await assert.rejects(api.call('getMappings'), /No API calls left/);
    assert.equal(sim.sim.quota.status(sim.account.gcid).used, served, 'the second refusal never reached BMW');
    assert.equal(api.quota().blockedUntil, '2026-03-03T00:00:00.000Z');
    manager.stop();
  });
});
