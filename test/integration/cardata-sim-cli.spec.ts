import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { createPkcePair } from '../../src/cardata/pkce';
import type { StreamMessage, TokenResponse } from '../../src/cardata/wire';
import { spawnNode, type Spawned } from '../helpers/processes';

const BIN = join(__dirname, '..', '..', 'dist', 'cli', 'cardata-sim.js');

interface Ready {
  event: string;
  authBaseUrl: string;
  apiBaseUrl: string;
  mqtt: { host: string; port: number; caFile: string };
  clientId: string;
  gcid: string;
  vins: string[];
}

/** The device-code login done with nothing but HTTP requests, as any client would. */
async function loginWithPlainHttp(ready: Ready): Promise<TokenResponse> {
  const { verifier, challenge } = createPkcePair();
  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams(fields).toString(),
  });
  const codeRes = await fetch(
    `${ready.authBaseUrl}/gcdm/oauth/device/code`,
    form({
      client_id: ready.clientId,
      response_type: 'device_code',
      scope: 'authenticate_user openid cardata:api:read cardata:streaming:read',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }),
  );
  assert.equal(codeRes.status, 200);
  const code = (await codeRes.json()) as { device_code: string; interval: number; verification_uri_complete: string };
  assert.match(code.verification_uri_complete, /\/oneid\/link\?user_code=[A-Za-z]{8}$/);
  for (let attempt = 0; attempt < 20; attempt++) {
    const tokenRes = await fetch(
      `${ready.authBaseUrl}/gcdm/oauth/token`,
      form({
        client_id: ready.clientId,
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: code.device_code,
        code_verifier: verifier,
      }),
    );
    const body = (await tokenRes.json()) as TokenResponse & { error?: string };
    if (tokenRes.status === 200) return body;
    // Auto-approve answers at once; slow_down/pending only if this loop outran the interval.
    assert.ok(['authorization_pending', 'slow_down'].includes(body.error ?? ''), JSON.stringify(body));
    await new Promise((r) => setTimeout(r, code.interval * 1000));
  }
  throw new Error('no tokens');
}

describe('cardata-sim command (a real process, real HTTP and TLS MQTT)', function () {
  this.timeout(60_000);
  let sim: Spawned;
  let ready: Ready;
  let tokens: TokenResponse;

  before(async () => {
    sim = spawnNode(BIN, ['--auto-approve', '--vehicles', '2', '--speed', '120', '--seed', '7']);
    ready = JSON.parse(await sim.firstLine) as Ready;
  });

  after(async () => {
    const code = await sim.stop('SIGTERM');
    assert.equal(code, 0, `cardata-sim should exit 0 on SIGTERM; stderr: ${sim.stderr()}`);
  });

  it('prints exactly the ready line of the contract', () => {
    assert.deepEqual(Object.keys(ready).sort(), [
      'apiBaseUrl',
      'authBaseUrl',
      'clientId',
      'event',
      'gcid',
      'mqtt',
      'vins',
    ]);
    assert.equal(ready.event, 'ready');
    assert.match(ready.authBaseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(ready.apiBaseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(ready.mqtt.host, '127.0.0.1');
    assert.ok(ready.mqtt.port > 0);
    assert.match(readFileSync(ready.mqtt.caFile, 'utf8'), /BEGIN CERTIFICATE/);
    assert.match(ready.clientId, /^[0-9a-f-]{36}$/);
    assert.match(ready.gcid, /^[0-9a-f-]{36}$/);
    assert.equal(ready.vins.length, 2);
    for (const vin of ready.vins) assert.match(vin, /^[A-HJ-NPR-Z0-9]{17}$/);
    assert.equal(sim.stdout().trim().split('\n').length, 1, 'nothing else on stdout');
  });

  it('gives tokens for a device-code login made with plain HTTP requests', async () => {
    tokens = await loginWithPlainHttp(ready);
    assert.equal(tokens.gcid, ready.gcid);
    assert.ok(tokens.id_token && tokens.access_token && tokens.refresh_token);
    assert.match(tokens.scope, /cardata:api:read/);
  });

  it("streams the vehicles' messages to a standard MQTT client over TLS 1.3 with GCID and id_token", async () => {
    const client = await mqtt.connectAsync({
      protocol: 'mqtts',
      host: ready.mqtt.host,
      port: ready.mqtt.port,
      ca: readFileSync(ready.mqtt.caFile),
      username: ready.gcid,
      password: tokens.id_token,
      reconnectPeriod: 0,
    });
    try {
      const socket = client.stream as unknown as { getProtocol(): string };
      assert.equal(socket.getProtocol(), 'TLSv1.3');
      const received = new Promise<StreamMessage>((resolve) =>
        client.on('message', (topic, payload) => {
          const message = JSON.parse(payload.toString()) as StreamMessage;
          assert.equal(topic, `${ready.gcid}/${message.vin}`);
          resolve(message);
        }),
      );
      await client.subscribeAsync(`${ready.gcid}/+`, { qos: 0 });
      const message = await received;
      assert.ok(ready.vins.includes(message.vin));
      assert.ok(Object.keys(message.data).length > 0);
      for (const entry of Object.values(message.data)) assert.ok('value' in entry);
    } finally {
      await client.endAsync(true);
    }
  });

  it('answers the 51st REST call of the day with 403 CU-429', async () => {
    const call = () =>
      fetch(`${ready.apiBaseUrl}/customers/vehicles/mappings`, {
        headers: { Authorization: `Bearer ${tokens.access_token}`, 'x-version': 'v1', Accept: 'application/json' },
      });
    const state = (await (await fetch(`${ready.apiBaseUrl}/sim/state`)).json()) as { quota: { used: number } };
    for (let i = state.quota.used; i < 50; i++) assert.equal((await call()).status, 200, `call ${i + 1}`);
    const refused = await call();
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { exveErrorId: string }).exveErrorId, 'CU-429');
  });

  it('refuses bad flags with a one-line reason and exit code 2', async () => {
    const bad = spawnNode(BIN, ['--speed', 'fast']);
    const code = await new Promise<number | null>((resolve) => bad.child.once('exit', resolve));
    assert.equal(code, 2);
    assert.match(bad.stderr(), /--speed takes a number above 0/);
    assert.equal(bad.stdout(), '');
  });
});
