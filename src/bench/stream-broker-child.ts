/**
 * The stream benchmark's broker side, in its own process: the simulator (TLS 1.3 MQTT broker, login and REST on
 * 127.0.0.1) and the publisher of the load. Kept out of the measured process so the clients' numbers (CPU, heap)
 * are theirs alone. Driven over IPC by stream-broker.ts; exits when its parent goes away or its lifetime ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { CarDataSimulator } from '../sim/simulator';
import type { BrokerCommand, BrokerReply, BurstCommand, BurstResult } from './stream-broker';
import { LoadCursor } from './stream-load';

const lifetimeMs = Number(process.argv[2] ?? 0) || 30 * 60_000;
const wantNoDelay = process.argv[3] !== 'nagle';

function send(reply: BrokerReply): void {
  process.send?.(reply);
}

async function burst(sim: CarDataSimulator, cmd: BurstCommand): Promise<BurstResult> {
  const gcid = sim.ready.gcid;
  const cursor = new LoadCursor({ base: cmd.base, count: cmd.count, vins: cmd.vins, gcid });
  // At full speed the payloads are built before the clock starts: the broker's pace, not the generator's, counts.
  // At a fixed rate there is time to spare, so they are built as they go out.
  const prepared: { vin: string; payload: Buffer }[] = [];
  if (!cmd.rate) {
    while (!cursor.done) {
      const message = cursor.next();
      prepared.push({ vin: message.vin, payload: Buffer.from(message.payload) });
    }
  }
  const nextMessage = (seq: number) => (cmd.rate ? cursor.next() : prepared[seq]);
  const times = cmd.recordTimes ? new Float64Array(cmd.count) : undefined;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const elapsedMs = () => Number(process.hrtime.bigint() - start) / 1e6;
  let published = 0;
  let completed = 0;
  let failed = 0;
  let inflight = 0;
  let timedOut = false;

  await new Promise<void>((resolve) => {
    let finished = false;
    const timers: { ticker?: NodeJS.Timeout } = {};
    const finish = () => {
      if (finished) return;
      finished = true;
      clearInterval(timers.ticker);
      clearTimeout(deadline);
      resolve();
    };
    const deadline = setTimeout(() => {
      timedOut = true;
      finish();
    }, cmd.maxMs);
    const publishOne = () => {
      const seq = published;
      const message = nextMessage(seq);
      if (times) times[seq] = Number(process.hrtime.bigint() - start);
      published++;
      inflight++;
      sim.broker.publish(gcid, message.vin, message.payload).then(
        () => settle(true),
        () => settle(false),
      );
    };
    const settle = (ok: boolean) => {
      inflight--;
      if (ok) completed++;
      else failed++;
      if (completed + failed === cmd.count) finish();
      else if (!cmd.rate) pump();
    };
    // As fast as the broker takes them: a window of publishes in flight; aedes completes one only once it is
    // written to the subscriber's socket (after 'drain' when the socket is backed up), so a slow reader slows this.
    const pump = () => {
      while (!finished && !timedOut && inflight < cmd.window && published < cmd.count) publishOne();
    };
    if (cmd.count === 0) return finish();
    if (!cmd.rate) return pump();
    // A fixed rate: every millisecond, publish what is due by then (catching up after a late tick).
    const rate = cmd.rate;
    timers.ticker = setInterval(() => {
      const due = Math.min(cmd.count, Math.floor((elapsedMs() * rate) / 1000) + 1);
      while (published < due && inflight < cmd.window) publishOne();
    }, 1);
  });
  const end = process.hrtime.bigint();
  const used = process.cpuUsage(cpu);
  return {
    startNs: start.toString(),
    durationNs: Number(end - start),
    published,
    completed,
    failed,
    timedOut,
    cpuUs: used.user + used.system,
    ...(times ? { publishNs: Array.from(times.subarray(0, published)) } : {}),
  };
}

async function main(): Promise<void> {
  const life = setTimeout(() => process.exit(3), lifetimeMs);
  life.unref();
  const stateDir = mkdtempSync(join(tmpdir(), 'cardata-bench-sim-'));
  const sim = await CarDataSimulator.start({
    stateDir,
    vehicles: 1,
    runVehicles: false,
    autoApprove: 0,
    http: { pollIntervalSec: 1 },
    // Long enough that no id_token expires, and nothing is refreshed, during a benchmark.
    tokenTtlSec: 6 * 3600,
  });
  // The simulator's broker leaves Nagle's algorithm on, so a lone small PUBLISH can wait for the client's delayed
  // ACK (~40 ms on Linux). Brokers such as mosquitto set TCP_NODELAY; so does this benchmark, unless told not to.
  // The server is the broker's private field: if it moves, the benchmark says that it could not set the option.
  let noDelay = false;
  const server = (sim.broker as unknown as { server?: unknown }).server;
  if (wantNoDelay && server instanceof tls.Server) {
    server.on('secureConnection', (socket: tls.TLSSocket) => socket.setNoDelay(true));
    noDelay = true;
  }
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await sim.stop().catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
    process.exit(code);
  };
  process.on('disconnect', () => void stop(0));
  process.on('message', (raw) => {
    const cmd = raw as BrokerCommand;
    const reply = (body: object) => send({ id: cmd.id, ...body } as BrokerReply);
    switch (cmd.type) {
      case 'burst':
        burst(sim, cmd).then(
          (result) => reply({ type: 'burst', result }),
          (err: Error) => reply({ type: 'error', message: err.message }),
        );
        return;
      case 'connections':
        reply({ type: 'connections', count: sim.broker.connections(sim.ready.gcid) });
        return;
      case 'stats':
        reply({ type: 'stats', stats: sim.broker.stats() });
        return;
      case 'stop':
        reply({ type: 'stopping' });
        void stop(0);
        return;
    }
  });
  send({ id: 0, type: 'ready', ready: sim.ready, caPem: sim.caPem, noDelay });
}

main().catch((err: Error) => {
  process.stderr.write(`stream benchmark broker: ${err.message}\n`);
  process.exit(1);
});
