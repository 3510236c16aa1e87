#!/usr/bin/env node
/**
 * `npm run bench` (DESIGN.md §7): the benchmarks, side by side in one run, in virtual time. Each part returns a
 * markdown section; they go to stdout and into docs/benchmarks.md, which the README shows.
 *
 * Exit codes: 0 done; 1 a part failed or the file could not be written; 2 a bad command line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { writeFileAtomic } from '../cardata/atomic-file';
import { chargingMarkdown, runChargingBenchmark } from '../bench/charging-accuracy';
import { runDrivingBenchmark } from '../bench/driving-accuracy';
import { drivingMarkdown } from '../bench/driving-report';
import { runStreamBenchmark } from '../bench/stream-benchmark';
import { mergeDocument, renderSection, runFacts, type BenchSection } from '../bench/report';
import { benchUsage, parseBenchArgs } from './bench-args';

interface BenchPart {
  id: string;
  title: string;
  run(options: { quick: boolean }): string | Promise<string>;
}

/** In the order they run and appear. */
const PARTS: readonly BenchPart[] = [
  {
    id: 'charging',
    title: 'Charging prediction accuracy',
    run: (options) => chargingMarkdown(runChargingBenchmark(options)),
  },
  {
    id: 'driving',
    title: 'Magic SOC accuracy while driving',
    run: (options) => drivingMarkdown(runDrivingBenchmark(options)),
  },
  {
    id: 'stream',
    title: 'Stream throughput, latency and memory',
    run: async (options) => (await runStreamBenchmark({ quick: options.quick })).markdown,
  },
];

/** From the package root, whether this runs compiled (dist/cli) or from source (src/cli). */
const DEFAULT_OUT = resolve(__dirname, '..', '..', 'docs', 'benchmarks.md');

function commandLine(argv: readonly string[]): string {
  const args = argv.length > 0 ? ` ${argv.join(' ')}` : '';
  if (process.env.npm_lifecycle_event === 'bench') return `npm run bench${args ? ` --${args}` : ''}`;
  return `node ${relative(process.cwd(), process.argv[1] ?? 'dist/cli/bench.js')}${args}`;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const names = PARTS.map((p) => p.id);
  let args;
  try {
    args = parseBenchArgs(argv, names, DEFAULT_OUT);
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n\n${benchUsage(names)}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${benchUsage(names)}\n`);
    return 0;
  }
  const facts = runFacts(commandLine(argv));
  const sections: BenchSection[] = [];
  for (const part of PARTS.filter((p) => args.only.includes(p.id))) {
    process.stderr.write(`bench: ${part.id}${args.quick ? ' (quick)' : ''} …\n`);
    const before = process.cpuUsage();
    const body = await part.run({ quick: args.quick });
    const used = process.cpuUsage(before);
    const section = { id: part.id, title: part.title, body, cpuSeconds: (used.user + used.system) / 1e6 };
    sections.push(section);
    process.stdout.write(`${renderSection(section, facts)}\n\n`);
  }
  if (args.out !== null) {
    const existing = existsSync(args.out) ? readFileSync(args.out, 'utf8') : undefined;
    writeFileAtomic(args.out, mergeDocument(existing, sections, facts), 0o644);
    process.stderr.write(`bench: wrote ${relative(process.cwd(), args.out) || args.out}\n`);
  }
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err: Error) => {
    process.stderr.write(`bench: ${err.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
