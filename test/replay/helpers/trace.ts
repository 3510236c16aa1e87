/**
 * The scenario-vector notation of reference/algorithms.md §10 (see test/unit/helpers/charging-script.ts) turned into
 * `cardata-replay` input lines, and a replay run in a temporary state dir with accessors for its output.
 *
 *   MSG t {…}            a stream line (the BMW message the notation describes)
 *   API t {…}            an api line: the same descriptors as BMW's REST answer gives them (strings)
 *   EVAL t               an eval line            METER t kw [aux]     a meter line
 *   RESET t ac|dc|consumption                    SPEED t kmh|null     a speed line
 *   RESTART t [until]    a restart line, down until `until` when given
 *   TICK …               dropped: the replay's own heartbeat runs every 30 s from the first line
 *
 * Every step may start with `VIN=<vin>` to address another car than the vectors' one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runReplay, type ReplayNode, type ReplayOutputLine } from '../../../src/cli/replay';
import type { VehicleOptions } from '../../../src/vehicle/engine-slot';
import { ChargingScript, T0, VIN, at } from '../../unit/helpers/charging-script';

export { P50, T0, VIN, at, shown } from '../../unit/helpers/charging-script';

export function iso(seconds: number): string {
  return new Date(at(seconds)).toISOString();
}

function seconds(text: string): number {
  const value = Number(text.trim().replace(/\u2212/g, '-'));
  if (!Number.isFinite(value)) throw new Error(`not a time: ${text}`);
  return value;
}

/** Split on `;` outside braces and quotes. */
function steps(script: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const ch of script.replace(/\n/g, ';')) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && ch === '{') depth++;
    if (!quoted && ch === '}') depth--;
    if (ch === ';' && depth === 0 && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

const notation = new ChargingScript();

function stringOrNull(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** One step of the notation → one input line (an object), or null for TICK. */
export function traceStep(step: string): Record<string, unknown> | null {
  let text = step;
  let vin = VIN;
  const vinMatch = /^VIN=(\S+)\s+/.exec(text);
  if (vinMatch) {
    vin = vinMatch[1] ?? VIN;
    text = text.slice(vinMatch[0].length);
  }
  const [verb = '', t = '', ...rest] = text.split(/\s+/);
  switch (verb) {
    case 'TICK':
      return null;
    case 'MSG':
    case 'API': {
      const brace = text.indexOf('{');
      const time = seconds(text.slice(verb.length, brace));
      const message = notation.message(time, text.slice(brace + 1, text.lastIndexOf('}')));
      if (verb === 'MSG') return { at: iso(time), kind: 'stream', message: { ...message, vin } };
      const telematicData: Record<string, unknown> = {};
      for (const [name, entry] of Object.entries(message.data)) {
        telematicData[name] = {
          value: stringOrNull(entry.value),
          unit: entry.unit ?? null,
          timestamp: entry.timestamp ?? null,
        };
      }
      return { at: iso(time), kind: 'api', vin, telematicData };
    }
    case 'EVAL':
      return { at: iso(seconds(t)), kind: 'eval' };
    case 'METER': {
      const [kw = '', aux] = rest;
      return {
        at: iso(seconds(t)),
        kind: 'meter',
        vin,
        powerKw: Number(kw),
        ...(aux === undefined ? {} : { auxKw: Number(aux) }),
      };
    }
    case 'RESET':
      return { at: iso(seconds(t)), kind: 'reset', vin, what: rest[0] };
    case 'SPEED':
      return { at: iso(seconds(t)), kind: 'speed', vin, speedKmh: rest[0] === 'null' ? null : Number(rest[0]) };
    case 'RESTART': {
      const until = rest[0];
      return {
        at: iso(seconds(t)),
        kind: 'restart',
        ...(until === undefined ? {} : { downUntil: iso(seconds(until)) }),
      };
    }
    default:
      throw new Error(`unknown step: ${step}`);
  }
}

/** The JSON lines of a script. */
export function trace(script: string): string[] {
  return steps(script)
    .map(traceStep)
    .filter((line): line is Record<string, unknown> => line !== null)
    .map((line) => JSON.stringify(line));
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'replay-test-'));
}

/** Seconds after T0 of an output line. */
export function secondsOf(line: ReplayOutputLine): number {
  return (Date.parse(line.at) - T0) / 1000;
}

export interface RunOptions {
  vehicle?: VehicleOptions;
  /** Reuse a state dir (kept afterwards); otherwise a fresh one, removed after the run. */
  stateDir?: string;
  /** Whose lines `outputs` holds. */
  node?: ReplayNode | 'all';
}

export class ReplayRun {
  /** The lines of the node under test (`options.node`, predicted-soc by default). */
  readonly outputs: ReplayOutputLine[];
  /** Every line, of every node. */
  readonly all: ReplayOutputLine[];
  readonly errors: string[];

  constructor(input: string | string[], options: RunOptions = {}) {
    const lines = typeof input === 'string' ? trace(input) : input;
    const stateDir = options.stateDir ?? tempDir();
    try {
      ({ outputs: this.all, errors: this.errors } = runReplay(lines, {
        stateDir,
        ...(options.vehicle ? { vehicle: options.vehicle } : {}),
      }));
    } finally {
      if (!options.stateDir) rmSync(stateDir, { recursive: true, force: true });
    }
    const node = options.node ?? 'predicted-soc';
    this.outputs = node === 'all' ? this.all : this.all.filter((o) => o.node === node);
  }

  predictions(vin = VIN): ReplayOutputLine[] {
    return this.outputs.filter((o) => o.topic === `${vin}/predicted_soc`);
  }

  /** The last prediction sent at T0 + t (an EVAL's when the script has one there). */
  predictionAt(t: number, vin = VIN): ReplayOutputLine {
    const found = this.predictions(vin).filter((o) => secondsOf(o) === t);
    const last = found[found.length - 1];
    if (!last) throw new Error(`no prediction at ${t}`);
    return last;
  }

  raw(t: number, vin = VIN): number {
    return this.predictionAt(t, vin).attributes.raw as number;
  }

  events(vin = VIN): ReplayOutputLine[] {
    return this.outputs.filter((o) => o.topic === `${vin}/event`);
  }

  /** [t, event name] of every event. */
  eventNames(vin = VIN): [number, ReplayOutputLine['payload']][] {
    return this.events(vin).map((o) => [secondsOf(o), o.payload]);
  }

  ofEvent(name: string, vin = VIN): ReplayOutputLine[] {
    return this.events(vin).filter((o) => o.payload === name);
  }
}

export function near(actual: unknown, expected: number, tolerance = 1e-6): void {
  assert.ok(
    typeof actual === 'number' && Math.abs(actual - expected) <= tolerance,
    `expected ${expected} ± ${tolerance}, got ${String(actual)}`,
  );
}
