import { fixed, markdownTable } from './markdown';
import type { StreamBenchmarkResults, ThroughputRun } from './stream-benchmark';

const KIB = 1024;
const MIB = 1024 * 1024;
const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : fixed(n, 0));
const pct = (share: number) => `${fixed(share * 100, 0)} %`;
const ratio = (a: number, b: number) => fixed(a / b, 2);
const mib = (bytes: number) => fixed(bytes / MIB, 2);
const kib = (bytes: number) => fixed(bytes / KIB, 1);

function rounds(runs: ThroughputRun[], client: 'raw' | 'ours'): string {
  return runs
    .filter((r) => r.client === client)
    .map((r) => int(r.messagesPerSec))
    .join(' / ');
}

/** The stream benchmark's section of the README: one table per measurement, then the numbers behind them. */
export function streamMarkdown(r: StreamBenchmarkResults): string {
  const t = r.throughput;
  const l = r.latency;
  const g = r.growth;
  const env = r.environment;
  const firstRun = t.runs[0];
  const out: string[] = [];

  out.push('### Stream: our pipeline against a raw mqtt.js client', '');
  out.push(
    `Command: \`${r.command}\`${r.quick ? ' (quick variant)' : ''} · Node ${env.node} · Node-RED ${env.nodeRed} · ` +
      `mqtt.js ${env.mqtt} · ${env.cpu}, ${env.cores} cores (load average ${fixed(env.loadAvgAtStart, 2)} at start)` +
      ` · forced GC: ${r.gc === 'expose-gc' ? '`--expose-gc`' : r.gc === 'v8-flags' ? 'global.gc missing (no `--expose-gc`), set through v8 flags' : '**none: global.gc missing, heap numbers unreliable**'}`,
    '',
    'The simulator’s broker (MQTT 3.1.1 over TLS 1.3 on 127.0.0.1) runs in its own process and publishes ' +
      `BMW-shaped messages of ${r.load.descriptorsPerMessage} descriptors (mean ${fixed(r.load.meanDescriptors, 2)}, ` +
      `${int(r.load.payloadBytes)} bytes) over ${r.load.vins} VINs. ` +
      (r.brokerNoDelay
        ? 'The benchmark sets TCP_NODELAY on the broker’s sockets (the simulator leaves Nagle’s algorithm on, which ' +
          'adds delayed-ACK stalls of up to ~40 ms to both clients alike). '
        : 'Nagle’s algorithm is on at the broker (the simulator’s default), so latencies include delayed-ACK stalls ' +
          'of up to ~40 ms for both clients. ') +
      '**Ours**: the account config node (its one MQTT ' +
      'connection, payload checks, last-known values) and a vehicle-stream node with default options (one output ' +
      'message per descriptor, normalised), in Node-RED through node-red-node-test-helper with its sinon spies ' +
      'removed; a BMW message counts once all its output messages reached the next node. **Raw**: mqtt.js with the ' +
      'same GCID, id_token, CA and connection options that only `JSON.parse`s each payload. BMW allows one session ' +
      'per GCID, so the two take turns on identical load, alternating which goes first.',
    '',
  );

  out.push(
    `#### Throughput (${int(firstRun?.messages ?? 0)} messages per round as fast as the broker takes them, ` +
      `median of ${t.runs.length / 2} timed rounds each after an untimed one)`,
    '',
  );
  out.push(
    markdownTable(
      [
        { title: 'Measure' },
        { title: 'raw mqtt.js', align: 'right' },
        { title: 'ours', align: 'right' },
        { title: 'ours/raw', align: 'right' },
      ],
      [
        ['BMW messages/s received (median)', int(t.median.raw), int(t.median.ours), ratio(t.median.ours, t.median.raw)],
        ['Each round, messages/s', rounds(t.runs, 'raw'), rounds(t.runs, 'ours'), ''],
        ['Output messages/s (one per descriptor)', '—', int(t.outputsPerSec), ''],
        [
          'Client CPU per BMW message (µs)',
          fixed(t.clientCpuUsPerMessage.raw, 1),
          fixed(t.clientCpuUsPerMessage.ours, 1),
          ratio(t.clientCpuUsPerMessage.ours, t.clientCpuUsPerMessage.raw),
        ],
        [
          'Messages/s the client’s CPU alone allows',
          int(t.cpuBoundMessagesPerSec.raw),
          int(t.cpuBoundMessagesPerSec.ours),
          ratio(t.cpuBoundMessagesPerSec.ours, t.cpuBoundMessagesPerSec.raw),
        ],
        ['Broker process busy (share of a core)', pct(t.brokerBusy.raw), pct(t.brokerBusy.ours), ''],
      ],
    ),
    '',
  );
  const cpuRatio = t.cpuBoundMessagesPerSec.ours / t.cpuBoundMessagesPerSec.raw;
  out.push(
    `Goal, ours at least half the raw client’s throughput: **${t.goalMet ? 'met' : 'not met'}** ` +
      `(${pct(t.ratio)} of raw messages/s; by client CPU alone ${pct(cpuRatio)}).` +
      (t.brokerBusy.raw >= 0.9
        ? ' The broker process was busy for most of the raw rounds, so the raw client ran at the broker’s pace, ' +
          'not its own: the CPU rows compare the two clients without the broker.'
        : ''),
    '',
  );

  out.push(
    `#### Latency, publish → received (${int(l.rate)} messages/s for ${l.seconds} s each; timestamp taken just ` +
      'before publish)',
    '',
  );
  out.push(
    markdownTable(
      [
        { title: 'Measure' },
        { title: 'raw: publish → `message` handler', align: 'right' },
        { title: 'ours: publish → last output message', align: 'right' },
        { title: 'ours/raw', align: 'right' },
      ],
      [
        ['p50 (ms)', fixed(l.raw.p50Ms, 2), fixed(l.ours.p50Ms, 2), fixed(l.p50Ratio, 2)],
        ['p99 (ms)', fixed(l.raw.p99Ms, 2), fixed(l.ours.p99Ms, 2), fixed(l.p99Ratio, 2)],
        ['max (ms)', fixed(l.raw.maxMs, 2), fixed(l.ours.maxMs, 2), ''],
        ['mean (ms)', fixed(l.raw.meanMs, 2), fixed(l.ours.meanMs, 2), ''],
        [
          'received / published',
          `${int(l.raw.received)} / ${int(l.raw.published)}`,
          `${int(l.ours.received)} / ${int(l.ours.published)}`,
          '',
        ],
      ],
    ),
    '',
  );

  const m = r.memory;
  out.push(
    `#### Heap per vehicle (ours; each vehicle sends ${m.rows[0]?.descriptorsPerVehicle ?? 0} distinct descriptors, ` +
      'twice)',
    '',
  );
  out.push(
    markdownTable(
      [
        { title: 'Vehicles', align: 'right' },
        { title: 'Messages (joining vehicles)', align: 'right' },
        { title: 'Heap idle (MiB)', align: 'right' },
        { title: 'Heap baseline (MiB)', align: 'right' },
        { title: 'Heap after (MiB)', align: 'right' },
        { title: 'Δ (KiB)', align: 'right' },
        { title: 'Per vehicle (KiB)', align: 'right' },
      ],
      m.rows.map((row) => [
        String(row.vehicles),
        int(row.messages),
        mib(row.idleBytes),
        mib(row.baselineBytes),
        mib(row.afterBytes),
        kib(row.deltaBytes),
        kib(row.bytesPerVehicle),
      ]),
    ),
    '',
    'Heap used after forced GC (median of 3), on one freshly deployed flow with nothing restored: idle = nodes ' +
      'loaded and connected, nothing received; baseline = after 1,000 warm-up messages of two other VINs (so ' +
      'one-time costs are not charged to the fleet); then vehicles join until the fleet has each size, every one ' +
      'sending its descriptors twice; per vehicle = (after − baseline) / vehicles. One-off allocations move the ' +
      'heap by a few 10 KiB between measurements, about what one vehicle costs, so the smallest fleets are within ' +
      'noise. Marginal cost from the smallest to the largest fleet: ' +
      `**${kib(m.marginalBytesPerVehicle)} KiB per vehicle**. The raw client keeps nothing per vehicle, so it has ` +
      'no column here.',
    '',
  );

  out.push(
    `#### Heap over a long run (ours; ${int(g.messages)} messages over ${g.vins} VINs × ${g.descriptors} descriptors)`,
    '',
  );
  out.push(
    markdownTable(
      [
        { title: 'Messages', align: 'right' },
        { title: 'Heap first (MiB)', align: 'right' },
        { title: 'Heap last (MiB)', align: 'right' },
        { title: 'Slope (bytes / 1000 messages)', align: 'right' },
        { title: 'Fitted growth over the run (KiB)', align: 'right' },
        { title: 'Tolerance (KiB)', align: 'right' },
        { title: 'Flat', align: 'right' },
      ],
      [
        [
          int(g.messages),
          mib(g.firstBytes),
          mib(g.lastBytes),
          fixed(g.slopeBytesPer1000, 0),
          kib(g.fittedGrowthBytes),
          kib(g.toleranceBytes),
          g.flat ? 'yes' : '**no**',
        ],
      ],
    ),
    '',
    'Heap used after forced GC before the first message (after one warm-up pass over every VIN and descriptor) and ' +
      'after every 10 %; the slope is the least-squares line through those 11 samples. Flat means the line rises ' +
      `less than ${kib(g.toleranceBytes)} KiB over the whole run (${fixed(g.toleranceBytes / g.messages, 1)} bytes ` +
      'per message at this length).',
    '',
  );

  out.push('#### Raw numbers', '');
  out.push(
    markdownTable(
      [
        { title: 'Round' },
        { title: 'Client' },
        { title: 'Received', align: 'right' },
        { title: 'Outputs', align: 'right' },
        { title: 'Seconds', align: 'right' },
        { title: 'Messages/s', align: 'right' },
        { title: 'Client CPU µs/msg', align: 'right' },
        { title: 'Broker busy', align: 'right' },
      ],
      t.runs.map((run) => [
        String(run.round),
        run.client,
        int(run.received),
        int(run.outputs),
        fixed(run.seconds, 3),
        int(run.messagesPerSec),
        fixed(run.clientCpuUsPerMessage, 2),
        pct(run.brokerBusy),
      ]),
    ),
    '',
    `Long-run heap samples (messages: MiB): ${g.samples.map(([n, b]) => `${int(n)}: ${mib(b)}`).join(', ')}.`,
    '',
  );
  return out.join('\n');
}
