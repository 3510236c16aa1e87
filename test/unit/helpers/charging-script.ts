/**
 * Runs the scenario-vector notation of reference/algorithms.md §10 against a ChargingEngine, in virtual time:
 *
 *   MSG t {HDR=50 %, STAT=CHARGINGACTIVE, PH="3-PHASES", HDR=70 % @ts=T0-3000}
 *   TICK a..b      heartbeat at a, a+30, …, b        TICK t    one heartbeat
 *   EVAL t         evaluate at t (recorded in evals)
 *   METER t kw [aux]   external meter reading        RESTART   snapshot → JSON → new engine (same matrix)
 *
 * `t` is seconds after T0 (2026-03-02T10:00:00Z); `−` and `-` both work. Every descriptor's BMW timestamp is T0+t
 * unless `@ts=T0±n`, `@ts=<ISO>` or `@ts=none`. Messages go through the real normaliser, as a BMW stream message.
 */
import { readingsFromStream } from '../../../src/cardata/normalise';
import type { StreamMessage } from '../../../src/cardata/wire';
import { ALIASES as CHARGING_ALIASES } from '../../../src/vehicle/charging/descriptors';
import { HVSOC } from '../../../src/vehicle/driving/descriptors';
import { DOOR, HEADING, LAT, LON, MOV, ODO } from '../../../src/vehicle/motion/descriptors';

/** The reference's short names (§0.3): the charging engine's, and those of motion and magic SOC. */
const ALIASES: Readonly<Record<string, string>> = { ...CHARGING_ALIASES, ODO, MOV, LAT, LON, HEADING, DOOR, HVSOC };
import { ChargingEngine, type ChargingEngineOptions } from '../../../src/vehicle/charging/engine';
import { EfficiencyMatrix } from '../../../src/vehicle/charging/efficiency-matrix';
import type { ChargingEvent } from '../../../src/vehicle/charging/events';
import type { Prediction } from '../../../src/vehicle/charging/prediction';

export const VIN = 'WBA00000000000001';
export const T0 = Date.parse('2026-03-02T10:00:00Z');

/** Epoch ms of T0 + seconds. */
export function at(seconds: number): number {
  return T0 + seconds * 1000;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function seconds(text: string): number {
  const value = Number(text.trim().replace(/\u2212/g, '-'));
  if (!Number.isFinite(value)) throw new Error(`not a time: ${text}`);
  return value;
}

/** Split on `sep` outside braces and quotes. */
function splitTop(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && ch === '{') depth++;
    if (!quoted && ch === '}') depth--;
    if (ch === sep && depth === 0 && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

interface Item {
  descriptor: string;
  value: unknown;
  unit?: string;
  timestamp: string | null;
}

function parseItem(text: string, t: number): Item {
  const match = /^([A-Za-z.]+)\s*=\s*(.*)$/.exec(text);
  if (!match) throw new Error(`bad item: ${text}`);
  const [, name = '', rest0 = ''] = match;
  const descriptor = ALIASES[name] ?? name;
  let rest = rest0.trim();
  let timestamp: string | null = iso(at(t));
  const tsMatch = /\s*@ts=(\S+)$/.exec(rest);
  if (tsMatch) {
    const ts = (tsMatch[1] ?? '').replace(/\u2212/g, '-');
    rest = rest.slice(0, tsMatch.index).trim();
    if (ts === 'none') timestamp = null;
    else if (ts.startsWith('T0')) timestamp = iso(at(ts.length > 2 ? Number(ts.slice(2)) : 0));
    else timestamp = ts;
  }
  if (rest.startsWith('"')) {
    return { descriptor, value: rest.slice(1, rest.lastIndexOf('"')), timestamp };
  }
  const numeric = /^([-\u2212]?\d+(?:\.\d+)?)(?:\s+(\S+))?$/.exec(rest);
  if (numeric) {
    const item: Item = { descriptor, value: Number((numeric[1] ?? '').replace(/\u2212/g, '-')), timestamp };
    if (numeric[2] !== undefined) item.unit = numeric[2];
    return item;
  }
  if (rest === 'true' || rest === 'false') return { descriptor, value: rest === 'true', timestamp };
  if (rest === 'null') return { descriptor, value: null, timestamp };
  return { descriptor, value: rest, timestamp };
}

export interface TimedEvent {
  t: number;
  event: ChargingEvent;
}

export class ChargingScript {
  engine: ChargingEngine;
  matrix: EfficiencyMatrix | null;
  readonly events: TimedEvent[] = [];
  readonly evals = new Map<number, Prediction | null>();
  /** Virtual time only moves forward; a script that goes back is a mistake in the script. */
  private clock = Number.NEGATIVE_INFINITY;

  constructor(
    readonly options: ChargingEngineOptions = {},
    matrix: EfficiencyMatrix | null = null,
  ) {
    this.matrix = matrix;
    this.engine = new ChargingEngine(options, matrix);
  }

  /** Run vector steps separated by `;` or new lines. */
  run(script: string): this {
    for (const line of script.split('\n')) {
      for (const step of splitTop(line, ';')) this.step(step);
    }
    return this;
  }

  step(step: string): void {
    const [verb = '', ...restParts] = step.split(/\s+/);
    const rest = restParts.join(' ');
    switch (verb) {
      case 'MSG': {
        const brace = rest.indexOf('{');
        this.msg(seconds(rest.slice(0, brace)), rest.slice(brace + 1, rest.lastIndexOf('}')));
        return;
      }
      case 'TICK': {
        const [from = '', to] = rest.split('..');
        this.tick(seconds(from), to === undefined ? undefined : seconds(to));
        return;
      }
      case 'EVAL':
        this.eval(seconds(rest));
        return;
      case 'METER': {
        const [t = '', kw = '', aux = '0'] = restParts;
        this.meter(seconds(t), Number(kw), Number(aux));
        return;
      }
      case 'RESTART':
        this.restart();
        return;
      default:
        throw new Error(`unknown step: ${step}`);
    }
  }

  /** The stream message the notation describes, as BMW would send it. */
  message(t: number, body: string): StreamMessage {
    const data: StreamMessage['data'] = {};
    for (const part of splitTop(body, ',')) {
      const item = parseItem(part, t);
      data[item.descriptor] = {
        value: item.value,
        ...(item.unit !== undefined ? { unit: item.unit } : {}),
        timestamp: item.timestamp,
      };
    }
    return { vin: VIN, timestamp: iso(at(t)), data };
  }

  msg(t: number, body: string): ChargingEvent[] {
    this.advance(t);
    const events = this.engine.ingest(readingsFromStream(this.message(t, body)), at(t));
    this.record(t, events);
    return events;
  }

  tick(from: number, to: number = from): void {
    for (let t = from; t <= to; t += 30) {
      this.advance(t);
      this.record(t, this.engine.heartbeat(at(t)));
    }
  }

  eval(t: number): Prediction {
    this.advance(t);
    const prediction = this.engine.evaluate(at(t));
    this.evals.set(t, prediction);
    if (!prediction) throw new Error(`no prediction at ${t}`);
    return prediction;
  }

  meter(t: number, kw: number, aux = 0): void {
    this.advance(t);
    this.record(t, this.engine.meterPower(kw, aux, at(t)));
  }

  /** Persist and reload, as a process restart would: state and matrix both go through JSON. */
  restart(): void {
    const snapshot: unknown = JSON.parse(JSON.stringify(this.engine.snapshot()));
    const stored = this.engine.matrix ?? this.matrix;
    this.matrix = stored ? EfficiencyMatrix.fromJSON(JSON.parse(JSON.stringify(stored.toJSON()))) : null;
    this.engine = new ChargingEngine(this.options, this.matrix, snapshot);
  }

  /** The current prediction's raw value. */
  raw(t: number): number {
    return this.eval(t).soc;
  }

  ofType<K extends ChargingEvent['type']>(type: K): (TimedEvent & { event: Extract<ChargingEvent, { type: K }> })[] {
    return this.events.filter(
      (e): e is TimedEvent & { event: Extract<ChargingEvent, { type: K }> } => e.event.type === type,
    );
  }

  private advance(t: number): void {
    if (t < this.clock) throw new Error(`time went back from ${this.clock} to ${t}`);
    this.clock = t;
  }

  private record(t: number, events: ChargingEvent[]): void {
    for (const event of events) this.events.push({ t, event });
  }
}

/** P50 of §10: HDR 50 %, 80 kWh, target 80 %, then an AC three-phase 230 V 16 A start at t = 0. */
export const P50 =
  'MSG -600 {HDR=50 %, MAXE=80 kWh, TGT=80 %}; MSG 0 {STAT=CHARGINGACTIVE, VOLT=230 V, AMP=16 A, PH="3-PHASES"}';

/** Rounded as the sensor shows it. */
export function shown(value: number): number {
  return Math.round(value * 10) / 10;
}
