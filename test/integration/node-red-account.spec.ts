import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { prepareUserDir, startNodeRed, waitForNodeRed, type RunningNodeRed } from '../../src/cli/node-red-runtime';
import { CarDataSimulator } from '../../src/sim/simulator';
import { accountConfig } from '../helpers/flows';
import { freePort, waitFor } from '../helpers/processes';

const bcrypt = require('bcryptjs') as { hashSync(text: string, rounds: number): string };

/**
 * The account node in a real Node-RED (4.1 here, 5.0 in CI's second run) with adminAuth on: the admin endpoints
 * refuse callers without permission, the login from the dialog's endpoints works before and after deploy, and no
 * token shows up in the flow export, the admin answers or Node-RED's log.
 */
describe('cardata-account in a real Node-RED with adminAuth', function () {
  this.timeout(90_000);
  let sim: CarDataSimulator;
  let nodeRed: RunningNodeRed;
  let dir: string;
  let url: string;
  let log = '';
  let bearer = '';
  const id = 'acc-real';

  before(async () => {
    sim = await CarDataSimulator.start({ vehicles: 1, autoApprove: 0, http: { pollIntervalSec: 1 } });
    dir = mkdtempSync(join(tmpdir(), 'cardata-nr-auth-'));
    const flows = [
      { id: 'tab1', type: 'tab', label: 'test' },
      // the verbose log is where a careless token would show up first
      accountConfig(sim.ready, id, { verbose: true }),
    ];
    const hash = bcrypt.hashSync('secret-pass', 8);
    prepareUserDir({
      userDir: dir,
      packageDir: resolve(__dirname, '..', '..'),
      flows,
      credentialSecret: 'test-only',
      extraSettings: `adminAuth: { type: 'credentials', users: [{ username: 'admin', password: ${JSON.stringify(hash)}, permissions: '*' }] },`,
    });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    nodeRed = startNodeRed(dir, port, { CARDATA_LOG_LEVEL: 'debug' }, 'pipe');
    nodeRed.child.stdout!.on('data', (c: Buffer) => (log += c.toString()));
    nodeRed.child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
    await waitForNodeRed(url, nodeRed.child, 60_000);
    const token = await fetch(`${url}/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        client_id: 'node-red-admin',
        grant_type: 'password',
        scope: '*',
        username: 'admin',
        password: 'secret-pass',
      }),
    });
    bearer = ((await token.json()) as { access_token: string }).access_token;
    assert.ok(bearer, 'admin login for the test');
  });

  after(async () => {
    await nodeRed.stop();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const admin = (path: string, init: RequestInit = {}, auth = true) =>
    fetch(`${url}/${path}`, {
      ...init,
      headers: {
        'Content-Type': 'application/json',
        ...(auth ? { Authorization: `Bearer ${bearer}` } : {}),
        ...(init.headers as Record<string, string>),
      },
    });

  it('refuses every endpoint to a caller without permission', async () => {
    for (const [method, path] of [
      ['POST', `cardata-account/${id}/login`],
      ['GET', `cardata-account/${id}/login`],
      ['DELETE', `cardata-account/${id}/login`],
      ['GET', `cardata-account/${id}/status`],
      ['POST', `cardata-account/${id}/refresh`],
      ['GET', `cardata-account/${id}/vehicles`],
    ]) {
      const res = await admin(path, { method, body: method === 'POST' ? '{}' : undefined }, false);
      assert.equal(res.status, 401, `${method} ${path}`);
    }
  });

  it('logs in through the endpoints, the running node takes the tokens, and none leaks anywhere', async () => {
    const start = await admin(`cardata-account/${id}/login`, {
      method: 'POST',
      body: JSON.stringify({
        clientId: sim.ready.clientId,
        server: 'custom',
        authBaseUrl: sim.ready.authBaseUrl,
        apiBaseUrl: sim.ready.apiBaseUrl,
        mqttHost: sim.ready.mqtt.host,
        mqttPort: sim.ready.mqtt.port,
      }),
    });
    assert.equal(start.status, 200);
    const answers: string[] = [await start.text()];
    await waitFor(async () => {
      const text = await (await admin(`cardata-account/${id}/login`)).text();
      answers.push(text);
      return (JSON.parse(text) as { state: string }).state === 'approved' ? true : undefined;
    });
    const status = await (await admin(`cardata-account/${id}/status`)).text();
    answers.push(status);
    assert.equal((JSON.parse(status) as { loggedIn: boolean; deployed: boolean }).loggedIn, true);
    const refresh = await admin(`cardata-account/${id}/refresh`, { method: 'POST', body: '{}' });
    assert.equal(refresh.status, 200);
    answers.push(await refresh.text());
    answers.push(await (await admin(`cardata-account/${id}/vehicles?refresh=1`)).text());
    const exported = await (await admin('flows')).text();

    // Every token the simulator ever issued for this account, old and new.
    const issued = sim.tokens as unknown as {
      access: Map<string, unknown>;
      refresh: Map<string, unknown>;
      idTokens: Map<string, unknown>;
    };
    const secrets = [...issued.access.keys(), ...issued.refresh.keys(), ...issued.idTokens.keys()];
    assert.ok(secrets.length >= 3);
    const haystack = [...answers, exported, log].join('\n');
    for (const secret of secrets) assert.ok(!haystack.includes(secret), 'a token leaked');
  });

  it('never holds two connections for the account across full and partial redeploys', async () => {
    const current = (await (await admin('flows')).json()) as Record<string, unknown>[];
    const withStream = (name: string) => [
      ...current.filter((n) => n.type !== 'cardata-vehicle-stream'),
      { id: 'vs-real', type: 'cardata-vehicle-stream', z: 'tab1', name, account: id, wires: [[]], x: 100, y: 100 },
    ];
    const deploy = async (flows: unknown[], type: 'full' | 'nodes' | 'flows') => {
      const res = await admin('flows', {
        method: 'POST',
        body: JSON.stringify(flows),
        headers: { 'Node-RED-Deployment-Type': type },
      });
      assert.equal(res.status, 204, `${type} deploy`);
    };
    const connected = () =>
      waitFor(async () => {
        const body = (await (await admin(`cardata-account/${id}/status`)).json()) as { stream?: { health: string } };
        return body.stream?.health === 'connected' && sim.broker.connections(sim.ready.gcid) === 1 ? true : undefined;
      }, 20_000);

    const accepted = () => sim.broker.stats().perGcid[sim.ready.gcid]?.accepted ?? 0;
    const before = accepted();
    await deploy(withStream('first'), 'full');
    await connected();
    await deploy(withStream('first'), 'full'); // every node restarts, the account too
    await connected();
    await deploy(withStream('renamed'), 'nodes'); // only the stream node restarts
    await connected();
    await deploy(withStream('renamed again'), 'flows');
    await connected();
    assert.ok(accepted() - before >= 4, 'each deploy really replaced the connection');
    assert.equal(sim.broker.maxConcurrent(sim.ready.gcid), 1, 'never two connections at once');
  });
});
