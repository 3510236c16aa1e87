/**
 * The engine of `cardata-replay` (DESIGN.md §6): a recorded trace through the same per-VIN engine set the nodes
 * run, in virtual time, with no network. Fed one line at a time, it writes output lines and errors to a sink, so
 * it runs the same inside a test as behind stdin.
 *
 * Time: the clock is the lines' `at`. The heartbeat fires every 30 s counted from the first accepted line's `at`
 * (not at that instant itself); a heartbeat due at the same instant as a line fires before it; none fires after the
 * last line. A restart keeps that grid; while the process is down no heartbeat fires and lines are not received.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readingsFromStream, readingsFromTelematicData } from '../cardata/normalise';
import { readJsonFile, writeFileAtomic } from '../cardata/atomic-file';
import type { Attributes, EngineName, VehicleOptions, VehicleOutput } from '../vehicle/engine-slot';
import { ALL_ENGINES, VehicleEngines } from '../vehicle/vehicle-engines';
import { parseReplayLine, ReplayInputError, type ReplayInput } from './replay-input';

export const HEARTBEAT_MS = 30_000;

/** The file in the state dir that holds every VIN's learning and open sessions. */
export const STATE_FILE = 'vehicles.json';

/** The node that would have sent each engine's messages. */
const NODE_OF: Record<EngineName, ReplayNode> = {
  charging: 'predicted-soc',
  driving: 'magic-soc',
  motion: 'vehicle-stream',
};

export type ReplayNode = 'predicted-soc' | 'magic-soc' | 'vehicle-stream';

export interface ReplayOutputLine {
  at: string;
  node: ReplayNode;
  vin: string;
  topic: string;
  payload: VehicleOutput['payload'];
  attributes: Attributes;
}

export interface ReplaySink {
  output(line: ReplayOutputLine): void;
  /** One line of text for stderr, without the trailing newline. */
  error(message: string): void;
}

export interface ReplayOptions {
  stateDir: string;
  /** Manual options for every VIN (`--vehicle`). */
  vehicle?: VehicleOptions;
}

/** The state dir holds something we cannot read; overwriting it would lose it, so the replay does not start. */
export class ReplayStateError extends Error {}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export class Replay {
  private readonly statePath: string;
  /** Null while the process is down. */
  private engines: VehicleEngines | null;
  private lineNumber = 0;
  /** The `at` of the last accepted line; lines must not go back in time. */
  private clock: number | null = null;
  private nextHeartbeat: number | null = null;
  private downUntil: number | null = null;
  /** The snapshot a restart could not write to the state dir: the restart reloads it from memory instead. */
  private unsaved: string | null = null;

  /** Loads the state dir; throws ReplayStateError when its state file is unreadable. */
  constructor(
    private readonly options: ReplayOptions,
    private readonly sink: ReplaySink,
  ) {
    this.statePath = join(options.stateDir, STATE_FILE);
    this.engines = this.load();
  }

  /** One input line (without its newline). Blank lines are skipped; a bad line is reported and skipped. */
  input(text: string): void {
    this.lineNumber++;
    if (text.trim() === '') return;
    let step: ReplayInput;
    try {
      step = parseReplayLine(text);
      if (this.clock !== null && step.at < this.clock) {
        throw new ReplayInputError(`"at" ${iso(step.at)} is before the previous line's ${iso(this.clock)}`);
      }
    } catch (err) {
      if (!(err instanceof ReplayInputError)) throw err;
      this.sink.error(`line ${this.lineNumber}: ${err.message}; skipped`);
      return;
    }
    this.clock = step.at;
    this.nextHeartbeat ??= step.at + HEARTBEAT_MS;
    try {
      const engines = this.advance(step.at);
      if (!engines) {
        this.sink.error(
          `line ${this.lineNumber}: arrived while the process is down (until ${iso(this.downUntil ?? step.at)}); not received`,
        );
        return;
      }
      this.handle(engines, step);
    } catch (err) {
      if (err instanceof ReplayStateError) throw err;
      // A fault of ours must not cost the rest of the trace: report it with its line and go on.
      this.sink.error(`line ${this.lineNumber}: failed: ${(err as Error).stack ?? String(err)}`);
    }
  }

  /**
   * The end of the trace: persist everything to the state dir (a process going down cleanly). False when the state
   * could not be written (reported to the sink).
   */
  end(): boolean {
    if (this.engines) return this.persist(this.engines);
    // Down at the end: the restart already wrote the state, unless it could not; then try once more.
    return this.unsaved === null || this.write(this.unsaved);
  }

  /** Fire the heartbeats due up to `now` and bring the process up when its downtime is over. */
  private advance(now: number): VehicleEngines | null {
    if (this.downUntil !== null) {
      if (now < this.downUntil) return null;
      this.start(this.downUntil);
    }
    const engines = this.engines;
    if (!engines) return null;
    while (this.nextHeartbeat !== null && this.nextHeartbeat <= now) {
      this.send(this.nextHeartbeat, engines.tick(this.nextHeartbeat));
      this.nextHeartbeat += HEARTBEAT_MS;
    }
    return engines;
  }

  private handle(engines: VehicleEngines, step: ReplayInput): void {
    const { at } = step;
    switch (step.kind) {
      case 'stream': {
        this.send(at, engines.ingest(step.vin, readingsFromStream(step.message), at));
        return;
      }
      case 'api':
        this.send(at, engines.ingest(step.vin, readingsFromTelematicData(step.telematicData), at));
        return;
      case 'speed':
        engines.speed(step.vin, step.speedKmh, at);
        return;
      case 'meter':
        this.send(at, engines.meter(step.vin, step.powerKw, step.auxKw, at));
        return;
      case 'reset':
        engines.reset(step.vin, step.what);
        return;
      case 'eval':
        this.send(at, engines.evaluate(at));
        return;
      case 'restart':
        this.persist(engines);
        this.engines = null;
        if (step.downUntil !== null && step.downUntil > at) this.downUntil = step.downUntil;
        else this.start(at);
        return;
    }
  }

  /** The process starts at `at`: reload from the state dir; heartbeats missed while it was down never fire. */
  private start(at: number): void {
    this.downUntil = null;
    this.engines = this.load();
    if (this.nextHeartbeat !== null && this.nextHeartbeat < at) {
      this.nextHeartbeat += Math.ceil((at - this.nextHeartbeat) / HEARTBEAT_MS) * HEARTBEAT_MS;
    }
  }

  private load(): VehicleEngines {
    if (this.unsaved !== null) {
      const data: unknown = JSON.parse(this.unsaved);
      this.unsaved = null;
      return new VehicleEngines(this.options.vehicle ?? {}, data, ALL_ENGINES);
    }
    let data: unknown;
    try {
      data = readJsonFile<unknown>(this.statePath);
    } catch (err) {
      throw new ReplayStateError(`cannot read ${this.statePath}: ${(err as Error).message}`);
    }
    if (data !== undefined && !VehicleEngines.isSnapshot(data)) {
      throw new ReplayStateError(`${this.statePath} is not a cardata-replay state file (or of another version)`);
    }
    return new VehicleEngines(this.options.vehicle ?? {}, data, ALL_ENGINES);
  }

  private persist(engines: VehicleEngines): boolean {
    return this.write(`${JSON.stringify(engines.snapshot())}\n`);
  }

  /** Write the state file; on failure report it and keep the text, so a restart can reload it from memory. */
  private write(text: string): boolean {
    try {
      mkdirSync(this.options.stateDir, { recursive: true });
      writeFileAtomic(this.statePath, text);
      this.unsaved = null;
      return true;
    } catch (err) {
      this.sink.error(`cannot write the state to ${this.statePath}: ${(err as Error).message}`);
      this.unsaved = text;
      return false;
    }
  }

  private send(at: number, outputs: readonly VehicleOutput[]): void {
    for (const output of outputs) {
      // A REST poll request is not a message a node sends, and replay has no REST: the trace carries the answer.
      if (output.kind === 'request') continue;
      this.sink.output({
        at: iso(at),
        node: NODE_OF[output.engine],
        vin: output.vin,
        topic: output.topic,
        payload: output.payload,
        attributes: output.attributes,
      });
    }
  }
}

/** Run a whole trace in memory: the output lines and the error lines, in order. */
export function runReplay(
  lines: string | readonly string[],
  options: ReplayOptions,
): { outputs: ReplayOutputLine[]; errors: string[] } {
  const outputs: ReplayOutputLine[] = [];
  const errors: string[] = [];
  const replay = new Replay(options, { output: (line) => outputs.push(line), error: (m) => errors.push(m) });
  const all = typeof lines === 'string' ? lines.split('\n') : lines;
  for (const line of all) replay.input(line);
  replay.end();
  return { outputs, errors };
}
