import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import type { BrokerStats } from '../sim/broker';
import type { ReadyLine } from '../sim/simulator';

/** Publish `count` messages of the benchmark load (see stream-load.ts) on the simulator's broker. */
export interface BurstCommand {
  id: number;
  type: 'burst';
  base: number;
  count: number;
  vins: string[];
  /** Messages per second; 0 = as fast as the broker takes them. */
  rate: number;
  /** Most publishes in flight at once. */
  window: number;
  /** Send back when each message was published (for latency). */
  recordTimes: boolean;
  /** Give up publishing after this long. */
  maxMs: number;
}

export type BrokerCommand =
  BurstCommand | { id: number; type: 'connections' } | { id: number; type: 'stats' } | { id: number; type: 'stop' };

export interface BurstResult {
  /** process.hrtime.bigint() just before the first publish, as text (CLOCK_MONOTONIC: the same in every process). */
  startNs: string;
  durationNs: number;
  published: number;
  completed: number;
  failed: number;
  timedOut: boolean;
  /** CPU time (user + system) the broker process spent on the burst. */
  cpuUs: number;
  /** Per sequence number: ns after startNs, taken just before its publish. */
  publishNs?: number[];
}

/** A command as sent, before it gets its id. */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

export type BrokerReply =
  | { id: number; type: 'ready'; ready: ReadyLine; caPem: string; noDelay: boolean }
  | { id: number; type: 'burst'; result: BurstResult }
  | { id: number; type: 'connections'; count: number }
  | { id: number; type: 'stats'; stats: BrokerStats }
  | { id: number; type: 'stopping' }
  | { id: number; type: 'error'; message: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The simulator in a child process (stream-broker-child.ts), on 127.0.0.1. Every request has a timeout; `stop` ends
 * the child, and kills it (this one process, by its handle) if it does not exit by itself.
 */
export class BrokerProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (reply: BrokerReply) => void; reject: (e: Error) => void }>();
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly ready: ReadyLine,
    readonly caPem: string,
    /** Whether the broker's sockets have TCP_NODELAY (see stream-broker-child.ts). */
    readonly noDelay: boolean,
  ) {
    child.on('message', (raw) => {
      const reply = raw as BrokerReply;
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (reply.type === 'error') waiting.reject(new Error(`benchmark broker: ${reply.message}`));
      else waiting.resolve(reply);
    });
    child.on('exit', () => {
      this.exited = true;
      for (const waiting of this.pending.values()) waiting.reject(new Error('the benchmark broker exited'));
      this.pending.clear();
    });
  }

  /** Fork the broker; it ends itself after `lifetimeMs` whatever happens here. */
  static async start(lifetimeMs: number, noDelay = true, startTimeoutMs = 30_000): Promise<BrokerProcess> {
    const ts = extname(__filename) === '.ts';
    const child = fork(
      join(__dirname, `stream-broker-child${ts ? '.ts' : '.js'}`),
      [String(lifetimeMs), noDelay ? 'nodelay' : 'nagle'],
      {
        // From the TypeScript sources (mocha), the child needs tsx as well; never inherit this process's flags.
        execArgv: ts ? ['--require', createRequire(__filename).resolve('tsx/cjs')] : [],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    try {
      const first = await new Promise<BrokerReply>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the benchmark broker did not start')), startTimeoutMs);
        child.once('message', (reply) => {
          clearTimeout(timer);
          resolve(reply as BrokerReply);
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`the benchmark broker exited with ${code}`));
        });
      });
      if (first.type !== 'ready') throw new Error(`unexpected first message ${first.type}`);
      return new BrokerProcess(child, first.ready, first.caPem, first.noDelay);
    } catch (err) {
      child.kill();
      throw err;
    }
  }

  private request(body: WithoutId<BrokerCommand>, timeoutMs: number): Promise<BrokerReply> {
    if (this.exited) return Promise.reject(new Error('the benchmark broker has exited'));
    const id = this.nextId++;
    return new Promise<BrokerReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`benchmark broker: no answer to ${body.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      this.child.send({ ...body, id });
    });
  }

  async burst(command: Omit<BurstCommand, 'id' | 'type'>): Promise<BurstResult> {
    const reply = await this.request({ type: 'burst', ...command }, command.maxMs + 10_000);
    if (reply.type !== 'burst') throw new Error(`unexpected reply ${reply.type}`);
    return reply.result;
  }

  async connections(): Promise<number> {
    const reply = await this.request({ type: 'connections' }, 5_000);
    if (reply.type !== 'connections') throw new Error(`unexpected reply ${reply.type}`);
    return reply.count;
  }

  async stats(): Promise<BrokerStats> {
    const reply = await this.request({ type: 'stats' }, 5_000);
    if (reply.type !== 'stats') throw new Error(`unexpected reply ${reply.type}`);
    return reply.stats;
  }

  /** Wait (at most `timeoutMs`) until the broker holds no session: the next client must not overlap the last. */
  async waitIdle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await this.connections()) === 0) return;
      await sleep(20);
    }
    throw new Error(`the broker still holds a session after ${timeoutMs} ms`);
  }

  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.request({ type: 'stop' }, timeoutMs).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}
