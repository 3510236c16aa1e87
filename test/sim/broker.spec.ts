import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { connect, type ErrorWithSubackPacket, type IClientOptions, type MqttClient } from 'mqtt';
import { ManualClock } from '../../src/cardata/clock';
import type { StreamMessage } from '../../src/cardata/wire';
import { AccountRegistry, type SimAccount } from '../../src/sim/accounts';
import { SimBroker, type SimBrokerEvents, type SimBrokerOptions } from '../../src/sim/broker';
import { generateCertificates, writeCaFile, type Certificates } from '../../src/sim/certs';
import { Faults } from '../../src/sim/faults';
import { MAX_DESCRIPTORS_PER_MESSAGE } from '../../src/sim/stream-faults';
import { TokenRegistry } from '../../src/sim/tokens';

const STREAM_SCOPE = ['openid', 'cardata:streaming:read', 'cardata:api:read'];
const VIN = 'WBY8P2C05R7A12345';

function sample(soc: number): StreamMessage {
  return {
    vin: VIN,
    timestamp: '2026-03-02T10:00:00.431Z',
    data: {
      'vehicle.drivetrain.batteryManagement.header': { timestamp: '2026-03-02T10:00:00Z', value: soc, unit: 'percent' },
    },
  };
}

/** Fails with a clear message instead of the generic mocha timeout; a guard, not a sleep. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

function once<K extends keyof SimBrokerEvents>(broker: SimBroker, event: K): Promise<SimBrokerEvents[K][0]> {
  return within(
    new Promise((resolve) => broker.once(event, ((arg: SimBrokerEvents[K][0]) => resolve(arg)) as never)),
    5000,
    `broker event ${event}`,
  );
}

function closed(client: MqttClient): Promise<void> {
  return within(
    new Promise((resolve) => client.once('close', () => resolve())),
    5000,
    'the client connection to close',
  );
}

function nextMessage(client: MqttClient): Promise<{ topic: string; payload: Buffer }> {
  return within(
    new Promise((resolve) => client.once('message', (topic, payload) => resolve({ topic, payload }))),
    5000,
    'a message',
  );
}

/** The granted codes of the SUBACK; mqtt.js reports a 0x80 grant as an error carrying the packet. */
function subscribe(client: MqttClient, topic: string, qos: 0 | 1 = 0): Promise<number[]> {
  return within(
    client.subscribeAsync(topic, { qos }).then(
      (granted) => granted.map((g) => g.qos),
      (err: ErrorWithSubackPacket) => {
        if (!err.packet) throw err;
        return err.packet.granted.map((g) => (typeof g === 'number' ? g : (g as { qos: number }).qos));
      },
    ),
    5000,
    `SUBACK for ${topic}`,
  );
}

describe('simulator MQTT broker', function () {
  const clock = new ManualClock('2026-03-02T10:00:00Z');
  const accounts = new AccountRegistry();
  const tokens = new TokenRegistry(clock, { tokenTtlSec: 3600 });
  let certificates: Certificates;
  let brokers: SimBroker[] = [];
  let clients: MqttClient[] = [];
  let faults: Faults;
  let account: SimAccount;

  before(async function () {
    certificates = await generateCertificates();
  });

  beforeEach(function () {
    faults = new Faults();
    account = accounts.add({ vins: [VIN] });
  });

  afterEach(async function () {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await Promise.all(brokers.map((b) => b.close()));
    clients = [];
    brokers = [];
  });

  async function start(options: Partial<SimBrokerOptions> = {}): Promise<{ broker: SimBroker; port: number }> {
    const broker = new SimBroker({ clock, accounts, tokens, faults, certificates, ...options });
    brokers.push(broker);
    const port = await broker.listen();
    return { broker, port };
  }

  function idToken(of: SimAccount = account): string {
    return tokens.issue(of, STREAM_SCOPE).id_token!;
  }

  function clientOptions(port: number, extra: Partial<IClientOptions>): IClientOptions {
    return {
      host: '127.0.0.1',
      port,
      protocol: 'mqtts',
      ca: certificates.caPem,
      servername: 'localhost',
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      username: account.gcid,
      clientId: `test-${Math.random().toString(16).slice(2, 10)}`,
      ...extra,
    };
  }

  /** Resolves with the connected client, or rejects with the CONNACK/TLS error (the client is ended either way). */
  function open(port: number, extra: Partial<IClientOptions> = {}): Promise<MqttClient> {
    const client = connect(clientOptions(port, extra));
    clients.push(client);
    return within(
      new Promise((resolve, reject) => {
        client.once('connect', () => resolve(client));
        client.once('error', (err) => {
          client.end(true);
          reject(err);
        });
      }),
      5000,
      'CONNACK',
    );
  }

  async function refusedWith(port: number, extra: Partial<IClientOptions>): Promise<number | string | undefined> {
    const error = await open(port, extra).then(
      () => assert.fail('the CONNECT was accepted'),
      (err: Error & { code?: number | string }) => err,
    );
    return error.code;
  }

  describe('certificates', function () {
    it('makes a CA and a localhost server certificate it signed, valid for days', function () {
      const ca = new X509Certificate(certificates.caPem);
      const server = new X509Certificate(certificates.certPem);
      assert.equal(ca.ca, true);
      assert.equal(server.ca, false);
      assert.ok(server.checkIssued(ca) && server.verify(ca.publicKey), 'the server certificate is signed by the CA');
      assert.equal(server.checkHost('localhost'), 'localhost');
      assert.equal(server.checkIP('127.0.0.1'), '127.0.0.1');
      const lifetimeDays = (Date.parse(server.validTo) - Date.now()) / 86_400_000;
      assert.ok(lifetimeDays > 1 && lifetimeDays < 30, `valid for ${lifetimeDays} days`);
      assert.ok(Date.parse(server.validFrom) <= Date.now());
      assert.ok(server.checkPrivateKey(createPrivateKey(certificates.keyPem)));
    });

    it('writes ca.pem world-readable and returns its absolute path', function () {
      const dir = mkdtempSync(join(tmpdir(), 'cardata-certs-'));
      try {
        const file = writeCaFile(dir, certificates);
        assert.equal(file, join(dir, 'ca.pem'));
        assert.equal(statSync(file).mode & 0o777, 0o644);
        assert.equal(
          new X509Certificate(readFileSync(file, 'utf8')).fingerprint256,
          new X509Certificate(certificates.caPem).fingerprint256,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('connecting', function () {
    it('accepts mqtt.js over TLS 1.3 with GCID and id_token, grants QoS 0 and delivers published messages', async function () {
      const { broker, port } = await start();
      const connected = once(broker, 'connected');
      const client = await open(port, { password: idToken() });
      assert.equal((client.stream as TLSSocket).getProtocol(), 'TLSv1.3');
      assert.equal((client.stream as TLSSocket).authorized, true);
      assert.equal((await connected).gcid, account.gcid);

      assert.deepEqual(await subscribe(client, `${account.gcid}/+`, 1), [0], 'QoS 1 asked, only QoS 0 granted');
      const received = nextMessage(client);
      await broker.publish(account.gcid, VIN, sample(78));
      const { topic, payload } = await received;
      assert.equal(topic, `${account.gcid}/${VIN}`);
      assert.deepEqual(JSON.parse(payload.toString()), sample(78));

      const stats = broker.stats();
      assert.equal(stats.connectsAccepted, 1);
      assert.equal(stats.messagesPublished, 1);
      assert.equal(stats.messagesDelivered, 1);
      assert.equal(stats.perGcid[account.gcid].current, 1);
      assert.equal(broker.connections(account.gcid), 1);
    });

    it('answers a TLS 1.2 client with a protocol_version alert', async function () {
      const { broker, port } = await start();
      const refused = once(broker, 'refused');
      const code = await refusedWith(port, { password: idToken(), maxVersion: 'TLSv1.2' } as Partial<IClientOptions>);
      assert.equal(code, 'EPROTO');
      const event = await refused;
      assert.equal(event.reason, 'tls_handshake');
      assert.match(event.detail ?? '', /protocol/i);
      assert.equal(broker.connections(), 0);
    });

    it('refuses a wrong GCID, a bad token, a token of another account and a missing password with CONNACK 5', async function () {
      const { broker, port } = await start();
      const other = accounts.add({ vins: ['WBA00000000000009'] });
      assert.equal(await refusedWith(port, { username: 'not-a-gcid', password: idToken() }), 5);
      assert.equal(await refusedWith(port, { password: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln' }), 5);
      assert.equal(await refusedWith(port, { password: idToken(other) }), 5);
      assert.equal(await refusedWith(port, { username: other.gcid, password: idToken() }), 5);
      assert.equal(await refusedWith(port, {}), 5);
      assert.deepEqual(broker.stats().refusedByReason, {
        unknown_gcid: 1,
        invalid_token: 1,
        token_of_other_gcid: 2,
        missing_credentials: 1,
      });
      assert.equal(broker.stats().connectsAccepted, 0);
    });

    it('refuses an id_token past its exp', async function () {
      const { broker, port } = await start();
      const token = idToken();
      clock.advance(3600_000);
      assert.equal(await refusedWith(port, { password: token }), 5);
      assert.deepEqual(broker.stats().refusedByReason, { expired_token: 1 });
    });

    it('refuses an account without a stream subscription', async function () {
      const { broker, port } = await start();
      const apiOnly = accounts.add({ vins: [VIN], subscribedStream: false });
      assert.equal(await refusedWith(port, { username: apiOnly.gcid, password: idToken(apiOnly) }), 5);
      assert.deepEqual(broker.stats().refusedByReason, { not_subscribed: 1 });
    });

    it('can answer refusals with CONNACK 4 instead', async function () {
      const { port } = await start({ refusalCode: 4 });
      assert.equal(await refusedWith(port, { password: 'nope' }), 4);
    });

    it('refuses a keepalive above maxKeepaliveSec', async function () {
      const { broker, port } = await start({ maxKeepaliveSec: 30 });
      assert.equal(await refusedWith(port, { password: idToken(), keepalive: 60 }), 5);
      assert.deepEqual(broker.stats().refusedByReason, { keepalive_too_long: 1 });
      await open(port, { password: idToken(), keepalive: 30 });
    });
  });

  describe('faults at CONNECT', function () {
    it('refuseConnects refuses the next N valid CONNECTs, then accepts', async function () {
      const { broker, port } = await start();
      faults.set({ refuseConnects: 2 });
      const token = idToken();
      assert.equal(await refusedWith(port, { password: token }), 5);
      assert.equal(await refusedWith(port, { password: token }), 5);
      await open(port, { password: token });
      assert.deepEqual(broker.stats().refusedByReason, { refuse_next_fault: 2 });
      assert.equal(faults.settings.refuseConnects, 0);
    });

    it('refuseAllConnects refuses while set', async function () {
      const { port } = await start();
      faults.set({ refuseAllConnects: true });
      assert.equal(await refusedWith(port, { password: idToken() }), 5);
      faults.set({ refuseAllConnects: false });
      await open(port, { password: idToken() });
    });

    it('connectRateLimitPerMin refuses attempts beyond the limit within a minute of the injected clock', async function () {
      const { broker, port } = await start();
      faults.set({ connectRateLimitPerMin: 2 });
      const first = await open(port, { password: idToken() });
      await first.endAsync();
      assert.equal(await refusedWith(port, { password: 'bad token counts as an attempt' }), 5);
      assert.equal(await refusedWith(port, { password: idToken() }), 5);
      assert.equal(broker.stats().refusedByReason.rate_limited, 1);
      clock.advance(60_000);
      await open(port, { password: idToken() });
    });
  });

  describe('subscriptions and publishing', function () {
    it('refuses subscriptions outside the own GCID with 0x80 and grants the own ones', async function () {
      const { broker, port } = await start();
      const other = accounts.add({ vins: ['WBA00000000000009'] });
      const client = await open(port, { password: idToken() });
      assert.deepEqual(await subscribe(client, `${other.gcid}/+`), [128]);
      assert.deepEqual(await subscribe(client, '#'), [128]);
      assert.deepEqual(await subscribe(client, `${account.gcid}`), [128]);
      assert.deepEqual(await subscribe(client, `${account.gcid}/${VIN}`), [0]);
      assert.deepEqual(await subscribe(client, `${account.gcid}/#`), [0]);
      assert.equal(broker.stats().subscriptionsRefused, 3);

      const received = nextMessage(client);
      await broker.publish(other.gcid, VIN, sample(1));
      await broker.publish(account.gcid, VIN, sample(2));
      assert.equal(
        JSON.parse((await received).payload.toString()).data['vehicle.drivetrain.batteryManagement.header'].value,
        2,
      );
    });

    it('refuseSubscriptions refuses every subscription: connected but silent', async function () {
      const { port } = await start();
      faults.set({ refuseSubscriptions: true });
      const client = await open(port, { password: idToken() });
      assert.deepEqual(await subscribe(client, `${account.gcid}/+`), [128]);
    });

    it('disconnects a client that publishes, and forwards nothing', async function () {
      const { broker, port } = await start();
      const client = await open(port, { password: idToken() });
      await subscribe(client, `${account.gcid}/+`);
      const gone = once(broker, 'disconnected');
      client.publish(`${account.gcid}/${VIN}`, JSON.stringify(sample(5)));
      assert.equal((await gone).reason, 'publish_forbidden');
      await closed(client);
      assert.equal(broker.stats().messagesDelivered, 0);
    });

    it('malformedEvery and oversizedEvery replace every Nth message; publishRaw bypasses them', async function () {
      const { broker, port } = await start();
      const client = await open(port, { password: idToken() });
      await subscribe(client, `${account.gcid}/+`);
      const payloads: Buffer[] = [];
      const all = within(
        new Promise<void>((resolve) =>
          client.on('message', (_topic, payload) => {
            payloads.push(payload);
            if (payloads.length === 7) resolve();
          }),
        ),
        5000,
        'seven messages',
      );
      faults.set({ malformedEvery: 2, oversizedEvery: 3 });
      for (let i = 1; i <= 6; i++) await broker.publish(account.gcid, VIN, sample(i));
      await broker.publishRaw(account.gcid, VIN, sample(7));
      await all;

      const parse = (b: Buffer): StreamMessage | undefined => {
        try {
          return JSON.parse(b.toString()) as StreamMessage;
        } catch {
          return undefined;
        }
      };
      const parsed = payloads.map(parse);
      assert.equal(parsed[0]?.data['vehicle.drivetrain.batteryManagement.header'].value, 1);
      assert.equal(parsed[1], undefined, 'message 2 is malformed');
      assert.equal(
        Object.keys(parsed[2]?.data ?? {}).length,
        MAX_DESCRIPTORS_PER_MESSAGE + 1,
        'message 3 is oversized',
      );
      assert.equal(parsed[3], undefined, 'message 4 is malformed');
      assert.equal(parsed[4]?.data['vehicle.drivetrain.batteryManagement.header'].value, 5);
      assert.equal(parsed[5], undefined, 'message 6: malformed wins over oversized');
      assert.equal(parsed[6]?.data['vehicle.drivetrain.batteryManagement.header'].value, 7);
      assert.notDeepEqual(payloads[1], payloads[3], 'malformed variants rotate');
    });
  });

  describe('session lifetime', function () {
    it('closes the connection when the id_token used at CONNECT expires, without a DISCONNECT', async function () {
      const { broker, port } = await start();
      const client = await open(port, { password: idToken() });
      await subscribe(client, `${account.gcid}/+`);
      let disconnectPacket = false;
      client.on('disconnect', () => (disconnectPacket = true));

      clock.advance(3600_000 - 1000);
      const stillThere = nextMessage(client);
      await broker.publish(account.gcid, VIN, sample(50));
      await stillThere;

      const gone = once(broker, 'disconnected');
      const clientClosed = closed(client);
      clock.advance(1000);
      assert.deepEqual(await gone, {
        gcid: account.gcid,
        clientId: client.options.clientId,
        reason: 'id_token_expired',
      });
      await clientClosed;
      assert.equal(disconnectPacket, false);
      assert.equal(broker.connections(account.gcid), 0);
    });

    it('closes the sessions of an account whose client is revoked', async function () {
      const { broker, port } = await start();
      const client = await open(port, { password: idToken() });
      const gone = once(broker, 'disconnected');
      tokens.revokeClient(account.clientId);
      assert.equal((await gone).reason, 'revoked');
      await closed(client);
    });

    it('disconnect(gcid) drops the sessions on demand', async function () {
      const { broker, port } = await start();
      const client = await open(port, { password: idToken() });
      const clientClosed = closed(client);
      assert.equal(await broker.disconnect(account.gcid), 1);
      await clientClosed;
      assert.equal(broker.connections(), 0);
      assert.deepEqual(broker.stats().disconnectsByReason, { forced: 1 });
    });

    it('tells a clean client DISCONNECT from a lost connection', async function () {
      const { broker, port } = await start();
      const client = await open(port, { password: idToken() });
      const gone = once(broker, 'disconnected');
      await client.endAsync();
      assert.equal((await gone).reason, 'client_disconnect');
      const second = await open(port, { password: idToken() });
      const lost = once(broker, 'disconnected');
      (second.stream as TLSSocket).destroy();
      assert.equal((await lost).reason, 'connection_lost');
    });

    it('close() ends every session and socket promptly', async function () {
      const { broker, port } = await start();
      const client = await open(port, { password: idToken() });
      const clientClosed = closed(client);
      const gone = once(broker, 'disconnected');
      await within(broker.close(), 2000, 'the broker to close');
      assert.equal((await gone).reason, 'broker_closed');
      await clientClosed;
    });
  });

  describe('one connection per GCID', function () {
    it("'drop-old' accepts the newcomer and drops the older session", async function () {
      const { broker, port } = await start({ duplicatePolicy: 'drop-old' });
      const first = await open(port, { password: idToken(), clientId: 'first' });
      const firstClosed = closed(first);
      const gone = once(broker, 'disconnected');
      const second = await open(port, { password: idToken(), clientId: 'second' });
      assert.deepEqual(await gone, { gcid: account.gcid, clientId: 'first', reason: 'duplicate_gcid' });
      await firstClosed;
      assert.equal(second.connected, true);
      assert.equal(broker.connections(account.gcid), 1);
      assert.equal(broker.maxConcurrent(account.gcid), 2, 'the overlap is recorded');
      assert.equal(broker.stats().perGcid[account.gcid].overlappingConnects, 1);
    });

    it("'refuse-new' refuses a second client ID with CONNACK 5 and keeps the first", async function () {
      const { broker, port } = await start({ duplicatePolicy: 'refuse-new' });
      const first = await open(port, { password: idToken(), clientId: 'first' });
      assert.equal(await refusedWith(port, { password: idToken(), clientId: 'second' }), 5);
      assert.equal(first.connected, true);
      assert.deepEqual(broker.stats().refusedByReason, { duplicate_gcid: 1 });
      assert.equal(broker.maxConcurrent(account.gcid), 1);
    });

    it('applies MQTT client-ID takeover under both policies', async function () {
      for (const duplicatePolicy of ['refuse-new', 'drop-old'] as const) {
        const { broker, port } = await start({ duplicatePolicy });
        const first = await open(port, { password: idToken(), clientId: account.gcid });
        const firstClosed = closed(first);
        const gone = once(broker, 'disconnected');
        const second = await open(port, { password: idToken(), clientId: account.gcid });
        assert.equal((await gone).reason, 'client_id_takeover', duplicatePolicy);
        await firstClosed;
        assert.equal(second.connected, true);
        assert.equal(broker.connections(account.gcid), 1);
        assert.equal(
          broker.maxConcurrent(account.gcid),
          1,
          'the old session is gone before the new one is established',
        );
        await second.endAsync();
        await broker.close();
      }
    });

    it('records a maximum of 1 for a client that reconnects only after closing', async function () {
      const { broker, port } = await start();
      for (let i = 0; i < 3; i++) {
        const client = await open(port, { password: idToken() });
        const gone = once(broker, 'disconnected');
        await client.endAsync();
        await gone;
      }
      assert.equal(broker.stats().perGcid[account.gcid].accepted, 3);
      assert.equal(broker.maxConcurrent(account.gcid), 1);
      assert.equal(broker.stats().perGcid[account.gcid].overlappingConnects, 0);
    });
  });

  describe('with mosquitto_sub', function () {
    it('subscribes with --cafile, -u gcid -P id_token over TLS 1.3 and receives a message', async function () {
      if (spawnSync('mosquitto_sub', ['--help']).error) {
        // mosquitto_sub comes from the Debian package mosquitto-clients, which a developer machine may lack; CI sets
        // CARDATA_REQUIRE_TOOLS=1 and installs it, so there a missing binary is a failure, not a skip.
        if (process.env.CARDATA_REQUIRE_TOOLS === '1') {
          assert.fail('mosquitto_sub not found: install mosquitto-clients (CARDATA_REQUIRE_TOOLS=1 requires it)');
        }
        this.skip();
      }
      const { broker, port } = await start();
      const dir = mkdtempSync(join(tmpdir(), 'cardata-mosq-'));
      const caFile = writeCaFile(dir, certificates);
      const args = ['-h', '127.0.0.1', '-p', String(port), '--cafile', caFile, '--tls-version', 'tlsv1.3'];
      args.push('-u', account.gcid, '-P', idToken(), '-i', account.gcid, '-V', 'mqttv311');
      args.push('-t', `${account.gcid}/+`, '-C', '1', '-W', '10');
      const child = spawn('mosquitto_sub', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
      try {
        const subscribed = await within(
          Promise.race([once(broker, 'subscribed'), exited.then(() => assert.fail(`mosquitto_sub exited: ${stderr}`))]),
          8000,
          'mosquitto_sub to subscribe',
        );
        assert.deepEqual(subscribed.topics, [`${account.gcid}/+`]);
        await broker.publish(account.gcid, VIN, sample(64));
        assert.equal(await within(exited, 8000, 'mosquitto_sub to exit'), 0, stderr);
        assert.deepEqual(JSON.parse(stdout), sample(64));
      } finally {
        child.kill();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
