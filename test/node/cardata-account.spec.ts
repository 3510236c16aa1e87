import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeStatus } from 'node-red';
import { CarDataSimulator } from '../../src/sim/simulator';
import { accountConfig } from '../helpers/flows';
import { freshUserDir, helper, nodeModule } from '../helpers/node-red';
import { waitFor } from '../helpers/processes';

const accountNode = nodeModule('cardata-account');

/** A flow node's view of the account: what a vehicle-stream node will see through register(). */
class StatusUser {
  readonly statuses: NodeStatus[] = [];
  readonly messages: unknown[] = [];
  status(status: NodeStatus): void {
    this.statuses.push(status);
  }
  onStreamMessage(message: unknown): void {
    this.messages.push(message);
  }
  get last(): string | undefined {
    return this.statuses.at(-1)?.text;
  }
}

describe('cardata-account node (Node-RED test helper, simulator over real HTTP and TLS MQTT)', function () {
  this.timeout(30_000);
  let sim: CarDataSimulator;
  let userDir: string;
  const id = 'acc1';

  const flow = () => [accountConfig(sim.ready, id, { name: 'my car' })];
  const loginBody = () => ({
    clientId: sim.ready.clientId,
    server: 'custom',
    authBaseUrl: sim.ready.authBaseUrl,
    apiBaseUrl: sim.ready.apiBaseUrl,
    mqttHost: sim.ready.mqtt.host,
    mqttPort: sim.ready.mqtt.port,
  });

  before(async () => {
    // A 1 s polling interval keeps the real-time login short; BMW's is 5 s.
    sim = await CarDataSimulator.start({ vehicles: 1, speed: 60, autoApprove: 0, http: { pollIntervalSec: 1 } });
  });
  after(async () => {
    await sim.stop();
  });
  beforeEach((done) => {
    userDir = freshUserDir();
    helper.settings({ userDir });
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((done) => helper.stopServer(done));
    rmSync(userDir, { recursive: true, force: true });
  });

  /** Node-RED running with this package but no account deployed yet: the dialog's login must work then. */
  async function loginBeforeDeploy(): Promise<{ gcid: string; scopes: string[] }> {
    await helper.load(accountNode as never, []);
    const started = await helper.request().post(`/cardata-account/${id}/login`).send(loginBody()).expect(200);
    assert.match(started.body.userCode, /^[A-Za-z]{8}$/);
    assert.match(started.body.verificationUriComplete, /\/oneid\/link\?user_code=/);
    const approved = await waitFor(async () => {
      const res = await helper.request().get(`/cardata-account/${id}/login`).expect(200);
      return res.body.state === 'approved' ? (res.body as { gcid: string; scopes: string[] }) : undefined;
    });
    await helper.unload();
    return approved;
  }

  it('logs in from the dialog before the first deploy, and the deployed node uses those tokens', async () => {
    const approved = await loginBeforeDeploy();
    assert.equal(approved.gcid, sim.ready.gcid);
    assert.ok(approved.scopes.includes('cardata:streaming:read'));
    const tokenFile = join(userDir, 'cardata', `${id}.tokens.json`);
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600);

    await helper.load(accountNode as never, flow());
    const node = helper.getNode(id) as any;
    assert.equal(node.account.loggedIn, true);
    const user = new StatusUser();
    node.register(user);
    await waitFor(() => (user.last?.endsWith('status.connected') ? true : undefined));
    assert.equal(user.statuses.at(-1)?.fill, 'green');
    await waitFor(() => (user.messages.length > 0 ? true : undefined), 20_000);
    await new Promise<void>((done) => node.deregister(user, done));
    assert.equal(sim.broker.connections(sim.ready.gcid), 0, 'the last user leaving closes the stream');
  });

  it('keeps one connection however many nodes use the account, and reconnects after a broker drop', async () => {
    await loginBeforeDeploy();
    await helper.load(accountNode as never, flow());
    const node = helper.getNode(id) as any;
    const users = [new StatusUser(), new StatusUser(), new StatusUser()];
    for (const user of users) node.register(user);
    await waitFor(() => (users.every((u) => u.last?.endsWith('status.connected')) ? true : undefined));
    assert.equal(sim.broker.connections(sim.ready.gcid), 1);
    await sim.broker.disconnect(sim.ready.gcid);
    await waitFor(() => (users[0].last?.endsWith('status.reconnecting') ? true : undefined));
    assert.equal(users[2].statuses.at(-1)?.fill, 'yellow', 'every user shows the same state');
  });

  it('says "login required" without a login, and answers the status endpoint without secrets', async () => {
    await helper.load(accountNode as never, flow());
    const node = helper.getNode(id) as any;
    const user = new StatusUser();
    node.register(user);
    assert.ok(user.last?.endsWith('status.loginRequired'));
    const status = await helper.request().get(`/cardata-account/${id}/status`).expect(200);
    assert.equal(status.body.loggedIn, false);
    assert.equal(status.body.deployed, true);
  });

  it('survives a restart without a new login, and deletes its tokens when the node is removed', async () => {
    await loginBeforeDeploy();
    await helper.load(accountNode as never, flow());
    const before = (helper.getNode(id) as any).account.tokens.current.refreshToken;
    await helper.unload(); // a restart: the node closes, its files stay
    await helper.load(accountNode as never, flow());
    const node = helper.getNode(id) as any;
    assert.equal(node.account.loggedIn, true);
    assert.equal(node.account.tokens.current.refreshToken, before);
    await new Promise<void>((done) => node.close(true).then(done)); // removed from the flow
    assert.equal(existsSync(join(userDir, 'cardata', `${id}.tokens.json`)), false);
  });

  it('refuses a bad client ID and unusable custom endpoints with a clear reason', async () => {
    await helper.load(accountNode as never, []);
    const bad = await helper.request().post(`/cardata-account/${id}/login`).send({ clientId: 'abc' }).expect(400);
    assert.match(bad.body.error, /client ID/);
    assert.equal(bad.body.kind, 'client_id', 'the dialog translates by kind');
    const noUrl = await helper
      .request()
      .post(`/cardata-account/${id}/login`)
      .send({ ...loginBody(), authBaseUrl: 'not a url' })
      .expect(400);
    assert.match(noUrl.body.error, /login URL must be an http/);
    await helper.unload();
    await helper.load(accountNode as never, [{ ...flow()[0], caFile: '/nonexistent/ca.pem' }] as never);
    const node = helper.getNode(id) as any;
    assert.match(node.accountProblem, /CA file \/nonexistent\/ca.pem cannot be read/);
  });

  it('lists the vehicles with the quota they cost, and refreshes tokens on request', async () => {
    await loginBeforeDeploy();
    await helper.load(accountNode as never, flow());
    const list = await helper.request().get(`/cardata-account/${id}/vehicles?refresh=1`).expect(200);
    assert.deepEqual(
      list.body.vehicles.map((v: { vin: string }) => v.vin),
      sim.ready.vins,
    );
    assert.ok(list.body.vehicles[0].model);
    assert.equal(list.body.quota.used, 2, 'mappings + one basicData');
    const cached = await helper.request().get(`/cardata-account/${id}/vehicles`).expect(200);
    assert.equal(cached.body.quota.used, 2, 'the second listing comes from the cache');
    const refreshed = await helper.request().post(`/cardata-account/${id}/refresh`).expect(200);
    assert.equal(refreshed.body.refreshed, true);
  });

  it('never lets a token reach logs, status, admin answers or the stored flow', async () => {
    const logs: string[] = [];
    await loginBeforeDeploy();
    await helper.load(accountNode as never, flow());
    const node = helper.getNode(id) as any;
    const user = new StatusUser();
    node.register(user);
    await waitFor(() => (user.last?.endsWith('status.connected') ? true : undefined));
    await helper.request().post(`/cardata-account/${id}/refresh`).expect(200);
    sim.faults.set({ refuseConnects: 1 });
    await sim.broker.disconnect(sim.ready.gcid);
    await waitFor(() => (user.last?.endsWith('status.connected') ? true : undefined), 20_000);
    const answers = [
      await helper.request().get(`/cardata-account/${id}/status`),
      await helper.request().get(`/cardata-account/${id}/login`),
      await helper.request().get(`/cardata-account/${id}/vehicles`),
    ].map((r) => JSON.stringify(r.body));
    for (const entry of helper.log().args) logs.push(JSON.stringify(entry));
    const stored = JSON.parse(readFileSync(join(userDir, 'cardata', `${id}.tokens.json`), 'utf8'));
    const secrets = [stored.accessToken, stored.refreshToken, stored.idToken];
    const haystack = [...logs, ...answers, JSON.stringify(user.statuses), JSON.stringify(flow())].join('\n');
    for (const secret of secrets) assert.ok(secret && !haystack.includes(secret), 'a token leaked');
    assert.ok(!/eyJ[A-Za-z0-9_-]{20,}\./.test(haystack), 'something shaped like an id_token leaked');
  });
});
