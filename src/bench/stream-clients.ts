/**
 * The two receivers the stream benchmark compares, one connected at a time (BMW allows one session per GCID):
 * a raw mqtt.js client that only JSON.parses each payload, and our pipeline — the account config node's one MQTT
 * connection, parse and normalise, and the vehicle-stream node's output messages — running in Node-RED through
 * node-red-node-test-helper, as the node tests run it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { accountPaths } from '../cardata/account';
import { TokenFile, type StoredTokens } from '../cardata/token-file';
import { loginDemoAccount } from '../cli/demo-login';
import type { AccountNode } from '../nodes/lib/types';
import type { ReadyLine } from '../sim/simulator';
import { seqOf } from './stream-load';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What one receiver got of one burst. `receive` takes the timestamp of every message the receiver hands on (one per
 * BMW message for the raw client, one per descriptor for ours); a BMW message counts once all of its have arrived.
 */
export class BurstTracker {
  completed = 0;
  outputs = 0;
  stray = 0;
  /** ns after `t0` at which the last message completed. */
  lastCompletionNs = NaN;
  /** Per sequence number: ns after `t0` at which it completed (NaN = not yet). */
  readonly completionNs?: Float64Array;
  private readonly remaining: Uint8Array;
  private resolveDone?: () => void;

  constructor(
    private readonly base: number,
    readonly count: number,
    /** Outputs per message: 1 each for the raw client, the descriptor counts for ours. */
    expected: Uint8Array,
    readonly t0: bigint,
    recordTimes: boolean,
  ) {
    this.remaining = Uint8Array.from(expected);
    if (recordTimes) this.completionNs = new Float64Array(count).fill(NaN);
  }

  receive(timestamp: unknown): void {
    const seq = seqOf(timestamp, this.base, this.count);
    if (seq < 0 || this.remaining[seq] === 0) {
      this.stray++;
      return;
    }
    this.outputs++;
    if (--this.remaining[seq] > 0) return;
    const at = Number(process.hrtime.bigint() - this.t0);
    this.completed++;
    this.lastCompletionNs = at;
    if (this.completionNs) this.completionNs[seq] = at;
    if (this.completed === this.count) this.resolveDone?.();
  }

  /** Resolves true once every message completed, false when `timeoutMs` passes first. */
  waitComplete(timeoutMs: number): Promise<boolean> {
    if (this.completed === this.count) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.resolveDone = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }
}

export interface Receiver {
  readonly name: 'raw' | 'ours';
  /** Where the messages of the running burst are counted; undefined between bursts. */
  tracker?: BurstTracker;
}

/** The baseline: mqtt.js with the account's own connection options, that JSON.parses each payload and no more. */
export class RawClient implements Receiver {
  readonly name = 'raw';
  tracker?: BurstTracker;
  private client?: MqttClient;

  async connect(ready: ReadyLine, caPem: string, tokens: StoredTokens, timeoutMs = 20_000): Promise<void> {
    const options: IClientOptions & { minVersion: 'TLSv1.3' } = {
      protocol: 'mqtts',
      host: ready.mqtt.host,
      port: ready.mqtt.port,
      username: tokens.gcid,
      password: tokens.idToken,
      clientId: tokens.gcid,
      clean: true,
      keepalive: 30,
      connectTimeout: timeoutMs,
      reconnectPeriod: 0,
      protocolVersion: 4,
      minVersion: 'TLSv1.3',
      ca: caPem,
      rejectUnauthorized: true,
    };
    const client = mqtt.connect(options);
    this.client = client;
    client.on('message', (_topic, payload) => {
      const message = JSON.parse(payload.toString()) as { timestamp?: unknown };
      this.tracker?.receive(message.timestamp);
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the raw client did not connect')), timeoutMs);
      client.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      client.once('connect', () =>
        client.subscribe(`${tokens.gcid}/+`, { qos: 0 }, (err, granted) => {
          clearTimeout(timer);
          if (err || !granted?.length || granted.some((g) => g.qos === 128)) reject(err ?? new Error('refused'));
          else resolve();
        }),
      );
    }).catch(async (err: Error) => {
      await this.disconnect();
      throw err;
    });
  }

  async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    client.removeAllListeners('message');
    client.on('error', () => undefined);
    await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
  }
}

type TestHelper = typeof import('node-red-node-test-helper');

interface HelperInternals {
  _sandbox: { restore(): void };
  _NodePrototype: Record<string, unknown>;
}

/** The package root (it holds package.json), from src/bench or dist/bench alike. */
function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the package root');
}

/**
 * Our pipeline: the compiled account and vehicle-stream nodes (dist/nodes, as Node-RED loads them) in Node-RED via
 * node-red-node-test-helper, vehicle-stream with default options wired to one helper node whose input is the output
 * we measure. The same Node-RED the tests use (CARDATA_NODE_RED_DIR / CARDATA_TEST_HELPER, else the project's own).
 */
export class Pipeline implements Receiver {
  readonly name = 'ours';
  tracker?: BurstTracker;
  /** Messages the account rejected (malformed or oversized): must stay 0 here. */
  rejected = 0;
  private readonly helper: TestHelper;
  private readonly nodes: unknown[];
  private readonly userDir: string;
  private loaded = false;

  private constructor(
    private readonly ready: ReadyLine,
    private readonly caFile: string,
  ) {
    const load = createRequire(__filename);
    const nodeRed = process.env.CARDATA_NODE_RED_DIR
      ? load.resolve(process.env.CARDATA_NODE_RED_DIR)
      : load.resolve('node-red');
    this.helper = load(process.env.CARDATA_TEST_HELPER ?? 'node-red-node-test-helper') as TestHelper;
    this.helper.init(nodeRed);
    const dist = join(packageRoot(), 'dist', 'nodes');
    this.nodes = [load(join(dist, 'cardata-account.js')), load(join(dist, 'cardata-vehicle-stream.js'))];
    this.userDir = mkdtempSync(join(tmpdir(), 'cardata-bench-'));
  }

  /** Start Node-RED's test server and log the account in (tokens in the user directory, as after the login dialog). */
  static async start(ready: ReadyLine, caFile: string): Promise<Pipeline> {
    const pipeline = new Pipeline(ready, caFile);
    pipeline.helper.settings({ userDir: pipeline.userDir });
    await new Promise<void>((done) => pipeline.helper.startServer(done));
    await loginDemoAccount(ready, pipeline.userDir, 'acc');
    return pipeline;
  }

  private get paths() {
    return accountPaths(join(this.userDir, 'cardata'), 'acc');
  }

  /** The account's tokens as stored now (the raw client connects with the same GCID and id_token). */
  tokens(): StoredTokens {
    const { tokens, problem } = new TokenFile(this.paths.tokens).load();
    if (!tokens) throw new Error(`no tokens: ${problem ?? 'not logged in'}`);
    return tokens;
  }

  private flow() {
    return [
      {
        id: 'acc',
        type: 'cardata-account',
        clientId: this.ready.clientId,
        server: 'custom',
        authBaseUrl: this.ready.authBaseUrl,
        apiBaseUrl: this.ready.apiBaseUrl,
        mqttHost: this.ready.mqtt.host,
        mqttPort: this.ready.mqtt.port,
        caFile: this.caFile,
      },
      { id: 'vs', type: 'cardata-vehicle-stream', account: 'acc', wires: [['out']] },
      { id: 'out', type: 'helper' },
    ];
  }

  /** Deploy the flow and wait (at most `timeoutMs`) until the account's stream is connected and subscribed. */
  async connect(timeoutMs = 20_000): Promise<void> {
    // A fresh start each time: no last-known values restored from an earlier round.
    rmSync(this.paths.lastKnown, { force: true });
    await this.helper.load(this.nodes as never, this.flow());
    this.loaded = true;
    // The helper wraps Node.prototype.send/status/log/… in sinon spies that keep every call (and so every message):
    // test instrumentation, not Node-RED. Left in, it would be measured as our cost and our memory growth.
    // Node-RED also copies Node.prototype.send (the spy, then) onto every node that has wires.
    const internals = this.helper as unknown as HelperInternals;
    internals._sandbox.restore();
    const spied = (f: unknown) => typeof f === 'function' && 'callCount' in f;
    for (const id of ['acc', 'vs', 'out']) {
      const node = this.helper.getNode(id) as unknown as Record<string, unknown>;
      if (spied(node.send)) node.send = internals._NodePrototype.send;
      const left = [...Object.keys(node), ...Object.keys(internals._NodePrototype)].filter(
        (key) => spied(node[key]) || spied(internals._NodePrototype[key]),
      );
      if (left.length > 0) throw new Error(`the test helper still spies on ${left.join(', ')}`);
    }
    this.helper.getNode('out').on('input', (msg) => {
      const out = msg as unknown as { metric?: unknown; timestamp?: unknown };
      if (out.metric !== 'stream_health') this.tracker?.receive(out.timestamp);
    });
    const account = (this.helper.getNode('acc') as AccountNode).account;
    if (!account) throw new Error('the account node did not start');
    account.on('rejected', () => this.rejected++);
    const deadline = Date.now() + timeoutMs;
    while (account.stream.health !== 'connected') {
      if (Date.now() > deadline) throw new Error(`our stream did not connect (${account.stream.health})`);
      await sleep(20);
    }
  }

  /** Stop the flow: the account closes its connection before this resolves. */
  async disconnect(): Promise<void> {
    if (!this.loaded) return;
    this.loaded = false;
    await this.helper.unload();
    rmSync(this.paths.lastKnown, { force: true });
  }

  async close(): Promise<void> {
    await this.disconnect();
    await new Promise<void>((done) => this.helper.stopServer(done));
    rmSync(this.userDir, { recursive: true, force: true });
  }
}
