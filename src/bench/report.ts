/**
 * docs/benchmarks.md, the file the README shows: one section per benchmark part, each between markers and headed by
 * the run that measured it, so `--only <part>` rewrites its own section and keeps the others' last results.
 */
import { cpus, arch, release, totalmem, type } from 'node:os';

export interface RunFacts {
  /** The command as the user typed it (`npm run bench -- --only charging`). */
  command: string;
  /** When the run started. */
  date: Date;
  node: string;
  machine: string;
}

export interface BenchSection {
  id: string;
  title: string;
  /** Markdown without the heading. */
  body: string;
  /** CPU time the part took (user + system), seconds. */
  cpuSeconds: number;
}

const DOCUMENT_HEAD = `# Benchmarks

Written by \`npm run bench\` (src/cli/bench.ts), which rewrites the sections it runs and keeps the others; do not
edit by hand. Each section names the command, date, Node version and machine that measured it. Benchmarks measure,
they are not timed tests: nothing here fails a build.`;

/** CPU model and count, memory, OS: what a reader needs to compare a CPU time with their own. */
export function machineFacts(): string {
  const list = cpus();
  const model = list[0]?.model.replace(/\s+/g, ' ').trim() || 'unknown CPU';
  const gib = Math.round(totalmem() / 2 ** 30);
  return `${model} × ${list.length}, ${gib} GiB RAM, ${type()} ${release()} ${arch()}`;
}

export function runFacts(command: string, date = new Date()): RunFacts {
  return { command, date, node: process.version, machine: machineFacts() };
}

function startMarker(id: string): string {
  return `<!-- bench:${id} -->`;
}

function endMarker(id: string): string {
  return `<!-- /bench:${id} -->`;
}

function when(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** One part's section, markers included. */
export function renderSection(section: BenchSection, facts: RunFacts): string {
  return [
    startMarker(section.id),
    `## ${section.title}`,
    '',
    `Measured by \`${facts.command}\` on ${when(facts.date)}, Node ${facts.node}, ${facts.machine}; ` +
      `${section.cpuSeconds.toFixed(1)} s of CPU.`,
    '',
    section.body,
    endMarker(section.id),
  ].join('\n');
}

/**
 * The document with these sections in place: a section already in `existing` is replaced where it stands, a new one
 * is appended, every other section is kept as it was.
 */
export function mergeDocument(
  existing: string | undefined,
  sections: readonly BenchSection[],
  facts: RunFacts,
): string {
  let text = existing?.trimEnd() ?? '';
  if (!text.startsWith('# Benchmarks')) text = DOCUMENT_HEAD;
  for (const section of sections) {
    const rendered = renderSection(section, facts);
    const start = text.indexOf(startMarker(section.id));
    const end = start >= 0 ? text.indexOf(endMarker(section.id), start) : -1;
    if (start >= 0 && end >= 0) {
      text = text.slice(0, start) + rendered + text.slice(end + endMarker(section.id).length);
    } else {
      text = `${text}\n\n${rendered}`;
    }
  }
  return `${text}\n`;
}
