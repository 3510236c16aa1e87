/**
 * The stream benchmark (DESIGN.md §7): our pipeline — BMW message on the broker → the account's one MQTT connection
 * → parse and normalise → the vehicle-stream node's output messages — side by side with a raw mqtt.js client, in one
 * run against the simulator's TLS 1.3 broker on 127.0.0.1. Measures throughput, latency, heap per vehicle and heap
 * over a long run, and writes the markdown the README shows. Not a timed test: nothing here passes or fails on speed.
 *
 * The simulator runs in a child process (stream-broker.ts), so the CPU and heap measured here are the clients'
 * alone. BMW allows one session per GCID and the simulator enforces it, so the two clients take turns on identical
 * load, alternating which goes first, and the medians are reported.
 */
import { cpus, loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BrokerProcess, type BurstResult } from './stream-broker';
import { BurstTracker, Pipeline, RawClient, type Receiver } from './stream-clients';
import { benchVins, BENCH_DESCRIPTORS, descriptorCount, LoadCursor, messagesToCover } from './stream-load';
import { streamMarkdown } from './stream-report';

export interface StreamBenchmarkOptions {
  /** A shorter run (fewer messages), for `npm run bench -- --quick` and CI. */
  quick?: boolean;
  /** BMW messages per throughput round (default 50 000; quick 10 000). */
  throughputMessages?: number;
  /** Rounds per client, alternating (default 3). */
  rounds?: number;
  /** VINs the throughput and latency load is spread over (default 3). */
  vins?: number;
  /** Untimed messages after each connect, before the timed ones (default 10 000; quick 3 000). */
  warmupMessages?: number;
  /** Fixed rate of the latency run, messages per second (default 1 000). */
  latencyRate?: number;
  /** Length of the latency run per client (default 5 s; quick 2 s). */
  latencySeconds?: number;
  /** Fleet sizes of the memory measurement (default 1, 10, 100). */
  memoryVehicles?: number[];
  /** Distinct descriptors each of those vehicles sends (default 50, the most there are here). */
  descriptorsPerVehicle?: number;
  /** Messages of the long run (default 200 000; quick 30 000). */
  growthMessages?: number;
  /** VINs of the long run (default 10). */
  growthVins?: number;
  /** Set TCP_NODELAY on the broker's sockets (default true; the simulator itself leaves Nagle on). */
  brokerNoDelay?: boolean;
  /** The command shown with the tables (default: `npm run bench`, or this process's command line). */
  command?: string;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

export interface ThroughputRun {
  client: 'raw' | 'ours';
  round: number;
  messages: number;
  received: number;
  /** Node-RED messages out (ours: one per descriptor; raw: one per BMW message). */
  outputs: number;
  seconds: number;
  messagesPerSec: number;
  /** CPU of this (the client's) process per BMW message, µs. */
  clientCpuUsPerMessage: number;
  /** Share of one core the broker process used while publishing: near 1 means the broker set the pace. */
  brokerBusy: number;
}

export interface ThroughputSummary {
  median: { raw: number; ours: number };
  ratio: number;
  goalMet: boolean;
  clientCpuUsPerMessage: { raw: number; ours: number };
  /** What the client's CPU alone would allow: 1e6 / CPU µs per message. */
  cpuBoundMessagesPerSec: { raw: number; ours: number };
  brokerBusy: { raw: number; ours: number };
  outputsPerSec: number;
  runs: ThroughputRun[];
}

export interface LatencyStats {
  published: number;
  received: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export interface MemoryRow {
  /** Vehicles that have sent their descriptors so far. */
  vehicles: number;
  /** Messages sent by the vehicles that joined for this row (each of them sends its descriptors twice). */
  messages: number;
  descriptorsPerVehicle: number;
  /** Nodes deployed and connected, nothing received yet. */
  idleBytes: number;
  /** After 1 000 warm-up messages of two more VINs: what the fleet's heap is measured against. */
  baselineBytes: number;
  afterBytes: number;
  deltaBytes: number;
  bytesPerVehicle: number;
}

export interface GrowthResult {
  messages: number;
  vins: number;
  descriptors: number;
  /** [messages streamed so far, heap used after GC] every 10 %. */
  samples: [number, number][];
  firstBytes: number;
  lastBytes: number;
  slopeBytesPer1000: number;
  /** The fitted line's rise over the whole run. */
  fittedGrowthBytes: number;
  toleranceBytes: number;
  flat: boolean;
}

export interface StreamBenchmarkResults {
  quick: boolean;
  command: string;
  gc: 'expose-gc' | 'v8-flags' | 'none';
  /** TCP_NODELAY on the broker's sockets. */
  brokerNoDelay: boolean;
  environment: {
    node: string;
    nodeRed: string;
    mqtt: string;
    cpu: string;
    cores: number;
    loadAvgAtStart: number;
  };
  load: { vins: number; descriptorsPerMessage: string; meanDescriptors: number; payloadBytes: number };
  throughput: ThroughputSummary;
  latency: { rate: number; seconds: number; raw: LatencyStats; ours: LatencyStats; p50Ratio: number; p99Ratio: number };
  memory: { rows: MemoryRow[]; marginalBytesPerVehicle: number };
  growth: GrowthResult;
}

/** Growth the long run may show and still count as flat: 1 MiB over the whole run (GC noise is a few 100 KiB). */
export const GROWTH_TOLERANCE_BYTES = 1024 * 1024;
/** The goal: our pipeline reaches at least this share of the raw client's throughput. */
export const THROUGHPUT_GOAL = 0.5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Least-squares slope of y over x. */
export function slope(points: readonly [number, number][]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

function findGc(): { gc?: () => void; source: StreamBenchmarkResults['gc'] } {
  const exposed = globalThis.gc;
  if (typeof exposed === 'function') return { gc: () => void exposed(), source: 'expose-gc' };
  try {
    // Started without --expose-gc: the flag can still be set at run time, and a new context then has gc().
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    if (typeof gc === 'function') return { gc: gc as () => void, source: 'v8-flags' };
  } catch {
    // fall through: no forced GC
  }
  return { source: 'none' };
}

function versionOf(name: string): string {
  try {
    return (createRequire(__filename)(`${name}/package.json`) as { version: string }).version;
  } catch {
    return '?';
  }
}

function defaultCommand(): string {
  if (process.env.npm_lifecycle_event) return `npm run ${process.env.npm_lifecycle_event}`;
  return ['node', ...process.execArgv.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)), ...process.argv.slice(1)]
    .join(' ')
    .trim();
}

/** Run the stream benchmark; resolves with the markdown section and every number behind it. */
export async function runStreamBenchmark(
  options: StreamBenchmarkOptions = {},
): Promise<{ markdown: string; results: StreamBenchmarkResults }> {
  const quick = options.quick ?? false;
  const o = {
    throughputMessages: options.throughputMessages ?? (quick ? 10_000 : 50_000),
    rounds: options.rounds ?? 3,
    vins: options.vins ?? 3,
    warmup: options.warmupMessages ?? (quick ? 3_000 : 10_000),
    latencyRate: options.latencyRate ?? 1_000,
    latencySeconds: options.latencySeconds ?? (quick ? 2 : 5),
    memoryVehicles: options.memoryVehicles ?? [1, 10, 100],
    descriptors: Math.min(options.descriptorsPerVehicle ?? 50, BENCH_DESCRIPTORS.length),
    growthMessages: options.growthMessages ?? (quick ? 30_000 : 200_000),
    growthVins: options.growthVins ?? 10,
  };
  const log = options.log ?? ((line: string) => process.stderr.write(`[stream bench] ${line}\n`));
  const { gc, source: gcSource } = findGc();
  if (gcSource !== 'expose-gc') log(`global.gc is missing (run node with --expose-gc); using ${gcSource}`);
  const loadAvgAtStart = loadavg()[0];

  const broker = await BrokerProcess.start((quick ? 10 : 30) * 60_000, options.brokerNoDelay ?? true);
  let pipeline: Pipeline | undefined;
  const raw = new RawClient();
  try {
    pipeline = await Pipeline.start(broker.ready, broker.ready.mqtt.caFile);
    const ours = pipeline;
    const gcid = broker.ready.gcid;
    let nextBase = 0;

    const connect = async (receiver: Receiver) => {
      await broker.waitIdle();
      if (receiver === raw) await raw.connect(broker.ready, broker.caPem, ours.tokens());
      else await ours.connect();
    };
    const disconnect = async (receiver: Receiver) => {
      if (receiver === raw) await raw.disconnect();
      else await ours.disconnect();
      await broker.waitIdle();
    };
    const session = async <T>(receiver: Receiver, body: () => Promise<T>): Promise<T> => {
      await connect(receiver);
      try {
        return await body();
      } finally {
        await disconnect(receiver);
      }
    };

    /** Publish one plan and wait until the receiver has all of it; the receiver must be connected. */
    const burst = async (
      receiver: Receiver,
      plan: { count: number; vins: string[]; rate?: number; recordTimes?: boolean },
    ): Promise<{ tracker: BurstTracker; result: BurstResult; offsetNs: number; cpuUs: number }> => {
      const base = nextBase;
      nextBase += plan.count + 1_000;
      const expected = new Uint8Array(plan.count);
      for (let seq = 0; seq < plan.count; seq++) expected[seq] = receiver === raw ? 1 : descriptorCount(seq);
      const t0 = process.hrtime.bigint();
      const tracker = new BurstTracker(base, plan.count, expected, t0, plan.recordTimes ?? false);
      receiver.tracker = tracker;
      const cpu = process.cpuUsage();
      const rate = plan.rate ?? 0;
      const maxMs = rate ? (plan.count / rate) * 1000 + 30_000 : 120_000 + plan.count;
      try {
        const result = await broker.burst({
          base,
          count: plan.count,
          vins: plan.vins,
          rate,
          window: rate ? 10_000 : 1_000,
          recordTimes: plan.recordTimes ?? false,
          maxMs,
        });
        if (result.timedOut || result.failed > 0) {
          throw new Error(`publishing stopped: ${result.completed}/${plan.count} published, ${result.failed} failed`);
        }
        const complete = await tracker.waitComplete(15_000);
        const used = process.cpuUsage(cpu);
        if (!complete) {
          throw new Error(`${receiver.name} received ${tracker.completed} of ${plan.count} messages within 15 s`);
        }
        return { tracker, result, offsetNs: Number(BigInt(result.startNs) - t0), cpuUs: used.user + used.system };
      } finally {
        receiver.tracker = undefined;
      }
    };

    const heap = async (): Promise<number> => {
      // Let Node-RED's queued deliveries and socket callbacks finish first.
      await sleep(100);
      const samples: number[] = [];
      for (let i = 0; i < 3; i++) {
        gc?.();
        gc?.();
        samples.push(process.memoryUsage().heapUsed);
        await sleep(20);
      }
      return median(samples);
    };

    const vins = benchVins(o.vins);

    // 1. Throughput: one untimed round per client to warm up the process (the first session ran at half speed
    // without it), then timed rounds, alternating, the first client changing every round.
    for (const receiver of [raw, ours]) {
      await session(receiver, () => burst(receiver, { count: o.throughputMessages, vins }));
    }
    const runs: ThroughputRun[] = [];
    for (let round = 1; round <= o.rounds; round++) {
      const order: Receiver[] = round % 2 === 1 ? [raw, ours] : [ours, raw];
      for (const receiver of order) {
        const run = await session(receiver, async () => {
          if (o.warmup > 0) await burst(receiver, { count: o.warmup, vins });
          const { tracker, result, offsetNs, cpuUs } = await burst(receiver, { count: o.throughputMessages, vins });
          const seconds = (tracker.lastCompletionNs - offsetNs) / 1e9;
          return {
            client: receiver.name,
            round,
            messages: o.throughputMessages,
            received: tracker.completed,
            outputs: tracker.outputs,
            seconds,
            messagesPerSec: tracker.completed / seconds,
            clientCpuUsPerMessage: cpuUs / o.throughputMessages,
            brokerBusy: result.cpuUs / 1e3 / (seconds * 1e3),
          } satisfies ThroughputRun;
        });
        runs.push(run);
        log(`throughput round ${round} ${run.client}: ${Math.round(run.messagesPerSec)} msg/s`);
      }
    }
    const of = (client: 'raw' | 'ours', pick: (r: ThroughputRun) => number) =>
      median(runs.filter((r) => r.client === client).map(pick));
    const mps = { raw: of('raw', (r) => r.messagesPerSec), ours: of('ours', (r) => r.messagesPerSec) };
    const cpuPer = { raw: of('raw', (r) => r.clientCpuUsPerMessage), ours: of('ours', (r) => r.clientCpuUsPerMessage) };
    const throughput: ThroughputSummary = {
      median: mps,
      ratio: mps.ours / mps.raw,
      goalMet: mps.ours >= THROUGHPUT_GOAL * mps.raw,
      clientCpuUsPerMessage: cpuPer,
      cpuBoundMessagesPerSec: { raw: 1e6 / cpuPer.raw, ours: 1e6 / cpuPer.ours },
      brokerBusy: { raw: of('raw', (r) => r.brokerBusy), ours: of('ours', (r) => r.brokerBusy) },
      outputsPerSec: of('ours', (r) => r.outputs / r.seconds),
      runs,
    };

    // 2. Latency at a fixed rate: publish (timestamp just before it) → raw 'message' / our node's last output.
    const latencyCount = Math.max(1, Math.round(o.latencyRate * o.latencySeconds));
    const latencyOf = async (receiver: Receiver): Promise<LatencyStats> =>
      session(receiver, async () => {
        if (o.warmup > 0) await burst(receiver, { count: Math.min(o.warmup, 1_000), vins, rate: o.latencyRate });
        const { tracker, result, offsetNs } = await burst(receiver, {
          count: latencyCount,
          vins,
          rate: o.latencyRate,
          recordTimes: true,
        });
        const publishNs = result.publishNs ?? [];
        const done = tracker.completionNs ?? new Float64Array(0);
        const ms: number[] = [];
        for (let seq = 0; seq < publishNs.length; seq++) {
          if (!Number.isNaN(done[seq])) ms.push((done[seq] - offsetNs - publishNs[seq]) / 1e6);
        }
        const sorted = Float64Array.from(ms).sort();
        const stats: LatencyStats = {
          published: result.published,
          received: tracker.completed,
          p50Ms: percentile(sorted, 50),
          p99Ms: percentile(sorted, 99),
          maxMs: sorted.length ? sorted[sorted.length - 1] : NaN,
          meanMs: ms.reduce((s, v) => s + v, 0) / ms.length,
        };
        log(`latency ${receiver.name}: p50 ${stats.p50Ms.toFixed(2)} ms, p99 ${stats.p99Ms.toFixed(2)} ms`);
        return stats;
      });
    const rawLatency = await latencyOf(raw);
    const oursLatency = await latencyOf(ours);

    // 3. Heap per vehicle: one freshly deployed flow (nothing restored), the fleet growing to each size in turn.
    const sizes = [...new Set(o.memoryVehicles)].filter((n) => n > 0).sort((a, b) => a - b);
    const rows = await session(ours, async () => {
      const idleBytes = await heap();
      // Warm the code paths on two other VINs first; their values stay, in the baseline and after alike, so
      // one-time costs (compiled code, caches) are not charged to the fleet.
      await burst(ours, { count: 1_000, vins: benchVins(2, 9_998) });
      const baselineBytes = await heap();
      const measured: MemoryRow[] = [];
      let vehicles = 0;
      for (const size of sizes) {
        // The vehicles that join now each send their descriptors twice: once to appear, once more as updates.
        const joining = benchVins(size - vehicles, 10_000 + vehicles);
        vehicles = size;
        const messages = 2 * messagesToCover(joining.length, o.descriptors);
        await burst(ours, { count: messages, vins: joining });
        const afterBytes = await heap();
        const deltaBytes = afterBytes - baselineBytes;
        measured.push({
          vehicles,
          messages,
          descriptorsPerVehicle: o.descriptors,
          idleBytes,
          baselineBytes,
          afterBytes,
          deltaBytes,
          bytesPerVehicle: deltaBytes / vehicles,
        });
        log(`memory ${vehicles} vehicles: ${Math.round(deltaBytes / vehicles)} bytes per vehicle`);
      }
      return measured;
    });
    const sortedRows = [...rows].sort((a, b) => a.vehicles - b.vehicles);
    const first = sortedRows[0];
    const last = sortedRows[sortedRows.length - 1];
    const marginalBytesPerVehicle =
      sortedRows.length > 1 && last.vehicles > first.vehicles
        ? (last.deltaBytes - first.deltaBytes) / (last.vehicles - first.vehicles)
        : NaN;

    // 4. No growth over a long run: a fixed set of VINs and descriptors, heap after GC every 10 %.
    const growth = await session(ours, async (): Promise<GrowthResult> => {
      const fleet = benchVins(o.growthVins, 20_000);
      await burst(ours, { count: messagesToCover(o.growthVins, BENCH_DESCRIPTORS.length), vins: fleet });
      const samples: [number, number][] = [[0, await heap()]];
      const chunk = Math.max(1, Math.floor(o.growthMessages / 10));
      let streamed = 0;
      for (let i = 0; i < 10; i++) {
        await burst(ours, { count: chunk, vins: fleet });
        streamed += chunk;
        samples.push([streamed, await heap()]);
      }
      const perMessage = slope(samples);
      const fittedGrowthBytes = perMessage * streamed;
      log(`growth: ${(perMessage * 1000).toFixed(0)} bytes per 1000 messages`);
      return {
        messages: streamed,
        vins: o.growthVins,
        descriptors: BENCH_DESCRIPTORS.length,
        samples,
        firstBytes: samples[0][1],
        lastBytes: samples[samples.length - 1][1],
        slopeBytesPer1000: perMessage * 1000,
        fittedGrowthBytes,
        toleranceBytes: GROWTH_TOLERANCE_BYTES,
        flat: Math.abs(fittedGrowthBytes) <= GROWTH_TOLERANCE_BYTES,
      };
    });

    if (ours.rejected > 0) throw new Error(`our account rejected ${ours.rejected} benchmark messages`);
    const sample = sampleLoad(gcid);
    const results: StreamBenchmarkResults = {
      quick,
      command: options.command ?? defaultCommand(),
      gc: gcSource,
      brokerNoDelay: broker.noDelay,
      environment: {
        node: process.version,
        nodeRed: versionOf('node-red'),
        mqtt: versionOf('mqtt'),
        cpu: cpus()[0]?.model ?? '?',
        cores: cpus().length,
        loadAvgAtStart,
      },
      load: { vins: o.vins, descriptorsPerMessage: '1–4', meanDescriptors: sample.mean, payloadBytes: sample.bytes },
      throughput,
      latency: {
        rate: o.latencyRate,
        seconds: o.latencySeconds,
        raw: rawLatency,
        ours: oursLatency,
        p50Ratio: oursLatency.p50Ms / rawLatency.p50Ms,
        p99Ratio: oursLatency.p99Ms / rawLatency.p99Ms,
      },
      memory: { rows, marginalBytesPerVehicle },
      growth,
    };
    return { markdown: streamMarkdown(results), results };
  } finally {
    await raw.disconnect().catch(() => undefined);
    await pipeline?.close().catch(() => undefined);
    await broker.stop();
  }
}

/** Mean descriptors and payload size of the load, from its first 1 000 messages. */
function sampleLoad(gcid: string): { bytes: number; mean: number } {
  const cursor = new LoadCursor({ base: 0, count: 1_000, vins: benchVins(3), gcid });
  let bytes = 0;
  let descriptors = 0;
  for (let i = 0; i < 1_000; i++) {
    const message = cursor.next();
    bytes += Buffer.byteLength(message.payload);
    descriptors += message.descriptors;
  }
  return { bytes: bytes / 1_000, mean: descriptors / 1_000 };
}
