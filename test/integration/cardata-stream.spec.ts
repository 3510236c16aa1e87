import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceLogin } from '../../src/cardata/device-login';
import { CarDataStream, type StreamHealth } from '../../src/cardata/stream';
import { TokenFile } from '../../src/cardata/token-file';
import { TokenManager } from '../../src/cardata/token-manager';
import type { StreamMessage } from '../../src/cardata/wire';
import { SimBroker } from '../../src/sim/broker';
import { generateCertificates, type Certificates } from '../../src/sim/certs';
import { waitFor } from '../helpers/processes';
import { startSimHttp, type Harness } from '../helpers/sim-http';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The account's one stream against the simulator's TLS 1.3 broker. Token lifetimes, back-off and the circuit breaker
 * run on the harness's ManualClock; sockets are real, so each virtual step also gives them a few real milliseconds.
 */
describe('CarData stream against the simulator broker (real TLS MQTT, virtual time)', function () {
  this.timeout(60_000);
  let certificates: Certificates;
  let sim: Harness;
  let broker: SimBroker;
  let dir: string;
  let manager: TokenManager;
  let stream: CarDataStream;
  let subscribed = false;
  const health: StreamHealth[] = [];

  before(async () => {
    certificates = await generateCertificates();
  });

  beforeEach(async () => {
    sim = await startSimHttp({ tokenOptions: { tokenTtlSec: 15, refreshTtlSec: 3600 } });
    broker = new SimBroker({
      clock: sim.clock,
      accounts: sim.accounts,
      tokens: sim.tokens,
      faults: sim.faults,
      certificates,
    });
    const port = await broker.listen();
    subscribed = false;
    broker.on('subscribed', () => (subscribed = true));
    broker.on('disconnected', () => (subscribed = false));
    dir = mkdtempSync(join(tmpdir(), 'cardata-stream-'));
    const login = new DeviceLogin({ clientId: sim.account.clientId, authBaseUrl: sim.base, clock: sim.clock });
    const prompt = await login.start();
    sim.sim.deviceCodes.approve(prompt.userCode);
    sim.clock.advance(5000);
    manager = new TokenManager({
      clientId: sim.account.clientId,
      authBaseUrl: sim.base,
      clock: sim.clock,
      file: new TokenFile(join(dir, 'tokens.json')),
    });
    manager.loggedIn(await login.result);
    health.length = 0;
    stream = new CarDataStream({ host: '127.0.0.1', port, ca: certificates.caPem, clock: sim.clock, tokens: manager });
    stream.on('health', (h: StreamHealth) => health.push(h));
  });

  afterEach(async () => {
    await stream.stop();
    manager.stop();
    await broker.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const step = async (ms: number, realMs = 25) => {
    sim.clock.advance(ms);
    await sleep(realMs);
  };
  // Our stream says connected only after BMW granted the subscription (SUBACK).
  const connected = () =>
    waitFor(() => (stream.health === 'connected' && broker.connections(gcid()) === 1 ? true : undefined), 5000, 10);
  const gcid = () => sim.account.gcid;
  const attempts = () => {
    const g = broker.stats().perGcid[gcid()];
    return (g?.accepted ?? 0) + (g?.refused ?? 0);
  };

  it('stays up across token expiries: one connection at a time, nothing published while connected is lost', async () => {
    stream.start();
    await connected();
    const received = new Set<number>();
    stream.on('message', (m: StreamMessage) => received.add(m.data.seq.value as number));
    const publishedWhileConnected: number[] = [];
    const issuedBefore = sim.tokens.issuedCount;
    for (let seq = 0; seq < 100; seq++) {
      await step(1000);
      const connects = stream.stats.connects;
      const live = subscribed && broker.connections(gcid()) === 1;
      await broker.publish(gcid(), sim.account.vins[0], {
        vin: sim.account.vins[0],
        timestamp: new Date(sim.clock.now()).toISOString(),
        data: { seq: { value: seq } },
      });
      // Connected and subscribed for the whole publish, on the same connection: a swap that began while the publish
      // was on its way (a loaded machine) is not "while connected".
      const stillLive = subscribed && broker.connections(gcid()) === 1 && stream.stats.connects === connects;
      if (live && stillLive) publishedWhileConnected.push(seq);
    }
    await sleep(100);
    const expiries = sim.tokens.issuedCount - issuedBefore;
    assert.ok(expiries >= 6, `100 s of 15 s tokens should take at least 6 refreshes, took ${expiries}`);
    assert.equal(broker.maxConcurrent(gcid()), 1, 'never two connections for the account');
    const lost = publishedWhileConnected.filter((seq) => !received.has(seq));
    assert.deepEqual(lost, [], 'messages published while connected and subscribed');
    // Each swap takes a few real milliseconds of TLS handshake while virtual seconds tick on, so "connected"
    // is below 100 % here only because the test advances time faster than sockets work.
    assert.ok(
      publishedWhileConnected.length >= 70,
      `connected most of the time (${publishedWhileConnected.length}/100)`,
    );
    assert.equal(broker.stats().disconnectsByReason.id_token_expired ?? 0, 0, 'reconnected before every expiry');
    assert.equal(stream.stats.drops, 0);
  });

  it('reconnects after a broker drop with back-off, and says so in its health', async () => {
    stream.start();
    await connected();
    await broker.disconnect(gcid());
    await waitFor(() => (stream.health === 'reconnecting' ? true : undefined), 5000, 10);
    const before = attempts();
    await step(4000);
    assert.equal(attempts(), before, 'waits the first back-off step (5 s) before trying again');
    await step(1000);
    await connected();
    assert.deepEqual(health.slice(0, 2), ['connecting', 'connected']);
    assert.ok(health.includes('reconnecting'));
  });

  it('refreshes the token after a refused connect, then gets in', async () => {
    sim.faults.set({ refuseConnects: 1 });
    const issued = sim.tokens.issuedCount;
    stream.start();
    await waitFor(() => (stream.stats.refusals === 1 ? true : undefined), 5000, 10);
    await waitFor(() => (sim.tokens.issuedCount === issued + 1 ? true : undefined), 5000, 10);
    await step(10_000);
    await connected();
  });

  it('holds back-off bounds against a broker that refuses everything, and recovers when it stops', async () => {
    // Hour-long tokens: this test is about back-off, and 15 s tokens would race the coarse virtual steps.
    sim.tokens.options.tokenTtlSec = 3600;
    await manager.refresh();
    sim.faults.set({ refuseAllConnects: true });
    stream.start();
    // One virtual hour in 5 s steps: back-off 5 s doubling to a 300 s cap gives about 17 attempts.
    for (let i = 0; i < 3600; i += 5) await step(5000, 4);
    const tried = attempts();
    assert.ok(tried >= 10 && tried <= 20, `connect attempts in one hour: ${tried}`);
    assert.equal(stream.health, 'failed', 'at the back-off cap the status says the stream is failing');
    sim.faults.set({ refuseAllConnects: false });
    for (let i = 0; i < 600 && (stream.health as StreamHealth) !== 'connected'; i++) await step(1000, 4);
    await connected();
  });

  it('does not storm a broker that accepts and drops at once: back-off keeps growing', async () => {
    // Hour-long tokens here, so no planned reconnect for a new id_token mixes with the drops.
    sim.tokens.options.tokenTtlSec = 3600;
    await manager.refresh();
    broker.on('subscribed', () => setTimeout(() => void broker.disconnect(gcid()), 5));
    stream.start();
    for (let i = 0; i < 3600; i += 10) await step(10_000, 15);
    const tried = attempts();
    assert.ok(stream.stats.drops >= 10, `the broker really dropped us (${stream.stats.drops} drops)`);
    assert.ok(tried <= 20, `connects in one hour of instant drops: ${tried}`);
    assert.equal(stream.health, 'failed', 'at the back-off cap the status says the stream is failing');
  });

  it('stops trying and says "login required" when the refresh token is refused', async () => {
    stream.start();
    await connected();
    sim.tokens.revokeRefreshTokens(sim.account.clientId);
    await step(12_000, 50); // the scheduled refresh is refused
    await waitFor(() => (stream.health === 'login_required' ? true : undefined), 5000, 10);
    const tried = attempts();
    for (let i = 0; i < 60; i++) await step(60_000, 2);
    assert.equal(attempts(), tried, 'no connects while a login is required');
  });

  it('closes its connection on stop and lets a new stream of the account connect after it', async () => {
    stream.start();
    await connected();
    const second = new CarDataStream({
      host: '127.0.0.1',
      port: broker.port!,
      ca: certificates.caPem,
      clock: sim.clock,
      tokens: manager,
    });
    const stopping = stream.stop();
    second.start();
    await stopping;
    await waitFor(() => (second.health === 'connected' ? true : undefined), 5000, 10);
    assert.equal(broker.maxConcurrent(gcid()), 1);
    await second.stop();
  });
});
