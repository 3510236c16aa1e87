import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CarDataAccount } from '../../src/cardata/account';
import { CONTAINER_NAME } from '../../src/cardata/container';
import { CarDataError } from '../../src/cardata/errors';
import { startSimHttp, type Harness } from '../helpers/sim-http';

const HDR = 'vehicle.drivetrain.batteryManagement.header';
const STATUS = 'vehicle.drivetrain.electricEngine.charging.status';

/** The account's REST side against the simulator: containers, telematic data, errors, the persisted ledger. */
describe('CarData account: containers, telematic data and REST failures against the simulator', function () {
  this.timeout(30_000);
  let sim: Harness;
  let dir: string;
  let account: CarDataAccount;
  const vin = () => sim.account.vins[0];

  const newAccount = () =>
    new CarDataAccount({
      id: 'acc',
      clientId: sim.account.clientId,
      authBaseUrl: sim.base,
      apiBaseUrl: sim.base,
      mqttHost: '127.0.0.1',
      mqttPort: 1, // the stream is not used here
      stateDir: dir,
      clock: sim.clock,
    });

  beforeEach(async () => {
    sim = await startSimHttp();
    sim.fleet.report(vin(), HDR, { value: 64, unit: 'percent', timestamp: '2026-03-02T09:59:00Z' });
    dir = mkdtempSync(join(tmpdir(), 'cardata-account-'));
    account = newAccount();
    const login = account.startLogin();
    const prompt = await login.start();
    sim.sim.deviceCodes.approve(prompt.userCode);
    sim.clock.advance(5000);
    await login.result;
    await new Promise((r) => setImmediate(r));
    assert.equal(account.loggedIn, true);
  });
  afterEach(async () => {
    await account.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const used = () => sim.sim.quota.status(sim.account.gcid).used;

  it('creates the container once and reuses it by its descriptor signature, across restarts', async () => {
    const first = await account.telematicData(vin(), [HDR, STATUS]);
    const data = (first.data as { telematicData: Record<string, { value: string | null }> }).telematicData;
    assert.equal(data[HDR].value, '64');
    assert.equal(data[STATUS].value, null, 'a descriptor the car never sent comes back empty, as from BMW');
    const afterFirst = used();
    assert.equal(afterFirst, 3, 'list + create + telematicData');
    await account.telematicData(vin(), [STATUS, HDR, HDR]);
    assert.equal(used(), afterFirst + 1, 'same signature: no container calls');
    await account.close();
    account = newAccount();
    account.start();
    await account.telematicData(vin(), [HDR, STATUS]);
    assert.equal(used(), afterFirst + 2, 'the container survived the restart');
    assert.equal(sim.sim.containers.list(sim.account.gcid).length, 1);
  });

  it('replaces its own container when the descriptors change, leaving other apps alone', async () => {
    sim.sim.containers.create(sim.account.gcid, { name: 'Other app', purpose: 'theirs', technicalDescriptors: [HDR] });
    await account.telematicData(vin(), [HDR]);
    await account.telematicData(vin(), [HDR, STATUS]);
    const containers = sim.sim.containers.list(sim.account.gcid);
    const ours = containers.filter((c) => c.name === CONTAINER_NAME);
    assert.deepEqual(ours.map((c) => c.state).sort(), ['ACTIVE', 'DELETED']);
    assert.equal(containers.find((c) => c.name === 'Other app')?.state, 'ACTIVE');
  });

  it('recreates the container when BMW lost it (CU-105) and still answers', async () => {
    await account.telematicData(vin(), [HDR]);
    const lost = account.containers.current!.containerId;
    sim.sim.containers.dropContainer(lost);
    const again = await account.telematicData(vin(), [HDR]);
    assert.equal(again.status, 200);
    assert.notEqual(account.containers.current!.containerId, lost);
  });

  it('says what to do when BMW has no room for a container (CU-124), without leaking one', async () => {
    for (let i = 0; i < 10; i++) {
      sim.sim.containers.create(sim.account.gcid, { name: `app ${i}`, purpose: 'x', technicalDescriptors: [HDR] });
    }
    await assert.rejects(
      account.telematicData(vin(), [HDR]),
      (err: CarDataError) => err.kind === 'container_limit' && /10 containers/.test(err.message),
    );
    assert.equal(sim.sim.containers.list(sim.account.gcid).length, 10);
    assert.equal(account.containers.current, undefined);
  });

  it('reports 5xx as a transient server error and keeps counting it against the quota', async () => {
    sim.faults.set({ restFailNext: 1 });
    await assert.rejects(
      account.call('getMappings'),
      (err: CarDataError) => err.kind === 'server_error' && err.transient && err.code === 'CU-500',
    );
    assert.equal(account.quota().used, 1);
    const ok = await account.call('getMappings');
    assert.equal(ok.quota.used, 2);
  });

  it('persists the ledger: a restart does not forget calls already spent', async () => {
    await account.call('getMappings');
    await account.call('getMappings');
    await account.close();
    account = newAccount();
    account.start();
    assert.equal(account.quota().used, 2);
  });

  it('lists the vehicles once a day from the cache', async () => {
    const vehicles = await account.vehicles({ withBasicData: true });
    assert.deepEqual(
      vehicles.map((v) => v.vin),
      sim.account.vins,
    );
    const spent = account.quota().used;
    await account.vehicles();
    assert.equal(account.quota().used, spent);
    sim.clock.advance(86_400_000);
    await account.vehicles();
    // A day later yesterday's calls have left both quota windows: one mappings call, basic data still cached.
    assert.equal(account.quota().used, 1);
  });
});
