import assert from 'node:assert/strict';
import { runStreamBenchmark } from '../../src/bench/stream-benchmark';

/**
 * The stream benchmark's harness on a very small load: it runs end to end and its numbers are sane. Not a timed
 * test: no threshold on any speed, latency or heap figure.
 */
describe('stream benchmark harness', function () {
  this.timeout(120_000);

  it('measures both clients on the same load, with every message received', async () => {
    const { markdown, results } = await runStreamBenchmark({
      quick: true,
      throughputMessages: 300,
      rounds: 1,
      warmupMessages: 50,
      latencyRate: 500,
      latencySeconds: 0.4,
      memoryVehicles: [1, 3],
      growthMessages: 400,
      growthVins: 2,
      log: () => undefined,
    });
    const positive = (value: number, what: string) =>
      assert.ok(Number.isFinite(value) && value > 0, `${what} is ${value}`);

    const t = results.throughput;
    assert.deepEqual(
      t.runs.map((r) => r.client),
      ['raw', 'ours'],
    );
    for (const run of t.runs) {
      assert.equal(run.received, 300, `${run.client} received every message`);
      positive(run.messagesPerSec, `${run.client} messages/s`);
      positive(run.clientCpuUsPerMessage, `${run.client} CPU per message`);
    }
    // Ours sends one message per descriptor: more outputs than BMW messages, at most 4 each.
    const ours = t.runs.find((r) => r.client === 'ours')!;
    assert.ok(ours.outputs > 300 && ours.outputs <= 1200, `${ours.outputs} outputs`);
    positive(t.ratio, 'ratio');

    for (const side of [results.latency.raw, results.latency.ours]) {
      assert.equal(side.received, side.published);
      assert.equal(side.published, 200);
      positive(side.p50Ms, 'p50');
      assert.ok(side.p99Ms >= side.p50Ms);
    }

    assert.deepEqual(
      results.memory.rows.map((r) => r.vehicles),
      [1, 3],
    );
    for (const row of results.memory.rows) positive(row.afterBytes, 'heap');

    const g = results.growth;
    assert.equal(g.samples.length, 11);
    assert.equal(g.messages, 400);
    for (const [, bytes] of g.samples) positive(bytes, 'heap sample');
    assert.ok(Number.isFinite(g.slopeBytesPer1000));

    for (const heading of ['Throughput', 'Latency', 'Heap per vehicle', 'Heap over a long run', 'ours/raw']) {
      assert.ok(markdown.includes(heading), heading);
    }
  });
});
