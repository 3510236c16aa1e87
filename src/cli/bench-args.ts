/** `npm run bench` command line → options; every mistake is an Error with a one-line reason. */
import { parseArgs } from 'node:util';

export const BENCH_USAGE = `Usage: npm run bench -- [options]        (or: node dist/cli/bench.js [options])

Runs the benchmarks in virtual time and writes their tables as markdown to stdout and into docs/benchmarks.md
(the sections run are replaced, the others kept).

  --only PARTS    comma-separated parts to run (default: all): PARTS_LIST
  --quick         a shorter run, to check the harness; not the numbers to publish
  --out FILE      write the document here instead of docs/benchmarks.md
  --no-write      print only, write no file
  --help          this text`;

export interface BenchArgs {
  help: boolean;
  /** Parts to run, in the order given; every known part when --only is absent. */
  only: string[];
  quick: boolean;
  /** Null: do not write a file. */
  out: string | null;
}

export function benchUsage(parts: readonly string[]): string {
  return BENCH_USAGE.replace('PARTS_LIST', parts.join(', '));
}

export function parseBenchArgs(argv: readonly string[], parts: readonly string[], defaultOut: string): BenchArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        only: { type: 'string', multiple: true },
        quick: { type: 'boolean', default: false },
        out: { type: 'string' },
        'no-write': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new Error((err as Error).message, { cause: err });
  }
  const only: string[] = [];
  for (const item of (values.only ?? []).flatMap((v) => v.split(','))) {
    const name = item.trim();
    if (name === '') continue;
    if (!parts.includes(name)) throw new Error(`--only: unknown part "${name}"; known: ${parts.join(', ')}`);
    if (!only.includes(name)) only.push(name);
  }
  if (values.only !== undefined && only.length === 0) throw new Error('--only needs at least one part');
  if (values['no-write'] && values.out !== undefined) throw new Error('--out and --no-write contradict each other');
  return {
    help: values.help,
    only: only.length > 0 ? only : [...parts],
    quick: values.quick,
    out: values['no-write'] ? null : (values.out ?? defaultOut),
  };
}
