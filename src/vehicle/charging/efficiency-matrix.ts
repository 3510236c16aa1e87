/**
 * Learned charging efficiency per charging condition (reference §3.1, §3.2, §3.5–§3.8). One matrix per VIN; it is
 * its own serialisable object so the reset-learning node can share it with the prediction. The persisted shape is
 * the integration's (`efficiency_matrix`, `sample_count`, …), so its stores can be imported as they are.
 */
import {
  CURRENT_BRACKETS,
  DC_NOMINAL_VOLTS,
  DEFAULT_AC_EFFICIENCY,
  DEFAULT_DC_EFFICIENCY,
  EFFICIENCY_UNCERTAINTY_DEFAULT,
  EFFICIENCY_UNCERTAINTY_FEW,
  EFFICIENCY_UNCERTAINTY_FLOOR,
  EFFICIENCY_UNCERTAINTY_MEAN,
  FALLBACK_AMPS,
  FALLBACK_VOLTS,
  HISTORY_LENGTH,
  LEARNING_RATE_FLOOR,
  MAX_VALID_EFFICIENCY,
  OUTLIER_MIN_HISTORY,
  OUTLIER_SIGMAS,
  VOLTAGE_BRACKETS,
} from './constants';
import type { Method } from './state';
import { isRecord } from '../json';

export interface EfficiencyEntry {
  efficiency: number;
  sample_count: number;
  history: number[];
}

export interface EfficiencyMatrixData {
  efficiency_matrix: Record<string, EfficiencyEntry>;
  voltage_brackets: number[];
  current_brackets: number[];
  phase_multiplier_revision: number;
}

export interface EfficiencyLookup {
  efficiency: number;
  /** The condition key in use, e.g. `3_250_16` or `0_410_0`. */
  condition: string;
  /** Sessions the efficiency was learned from; 0 for the default. */
  samples: number;
  source: 'learned' | 'mean' | 'default';
  /** How far off the efficiency may be (absolute): the spread of its history, or a prior for few or no samples. */
  uncertainty: number;
}

export type LearnOutcome = { accepted: true; entry: EfficiencyEntry } | { accepted: false; entry: EfficiencyEntry };

export type ResetScope = 'ac' | 'dc' | 'both';

export interface ChargingProfile {
  efficiency: number;
  sessions: number;
  std_dev: number;
  trend: 'increasing' | 'decreasing' | 'stable';
}

export interface MatrixDiagnostics {
  state: string;
  profiles: Record<string, ChargingProfile>;
}

// Two-phase power used to be counted ×3 below 410 V; efficiencies learned then are ⅔ too low (§3.8, `890d632`).
const PHASE_MULTIPLIER_REVISION = 1;
const KEY_PATTERN = /^(\d+)_(\d+)_(\d+)$/;

/** The bracket closest to the value; ties go to the lower bracket (330 V → 250, 13.5 A → 11). */
export function nearestBracket(value: number, brackets: readonly number[]): number {
  let best = brackets[0] ?? value;
  for (const bracket of brackets) {
    if (Math.abs(value - bracket) < Math.abs(value - best)) best = bracket;
  }
  return best;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function phasesOfKey(key: string): number {
  return Number(key.split('_')[0]);
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Population standard deviation, as the integration's diagnostics and outlier test use. */
export function populationStdDev(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / values.length);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function trendOf(history: readonly number[]): ChargingProfile['trend'] {
  if (history.length < 3) return 'stable';
  const [a, b, c] = history.slice(-3) as [number, number, number];
  if (a < b && b < c) return 'increasing';
  if (a > b && b > c) return 'decreasing';
  return 'stable';
}

function parseEntry(raw: unknown): EfficiencyEntry | null {
  if (!isRecord(raw) || !isFiniteNumber(raw.efficiency) || !isFiniteNumber(raw.sample_count)) return null;
  const history = Array.isArray(raw.history) ? raw.history.filter(isFiniteNumber) : [];
  return {
    efficiency: raw.efficiency,
    sample_count: Math.max(0, Math.trunc(raw.sample_count)),
    history: history.slice(-HISTORY_LENGTH),
  };
}

function parseBrackets(raw: unknown, fallback: readonly number[]): number[] {
  if (!Array.isArray(raw)) return [...fallback];
  const values = raw.filter((v): v is number => isFiniteNumber(v) && v > 0);
  return values.length > 0 ? values : [...fallback];
}

export class EfficiencyMatrix {
  private readonly entries = new Map<string, EfficiencyEntry>();
  readonly voltageBrackets: number[];
  readonly currentBrackets: number[];

  constructor(
    voltageBrackets: readonly number[] = VOLTAGE_BRACKETS,
    currentBrackets: readonly number[] = CURRENT_BRACKETS,
  ) {
    this.voltageBrackets = [...voltageBrackets];
    this.currentBrackets = [...currentBrackets];
  }

  /**
   * Load a persisted matrix. Never throws: keys not of the form `a_b_c` and broken entries are skipped, anything
   * unreadable yields an empty matrix. Runs the two-phase revision migration and accepts the legacy flat format.
   */
  static fromJSON(data: unknown): EfficiencyMatrix {
    if (!isRecord(data)) return new EfficiencyMatrix();
    const matrix = new EfficiencyMatrix(
      parseBrackets(data.voltage_brackets, VOLTAGE_BRACKETS),
      parseBrackets(data.current_brackets, CURRENT_BRACKETS),
    );
    const revision = isFiniteNumber(data.phase_multiplier_revision) ? data.phase_multiplier_revision : 0;
    if (isRecord(data.efficiency_matrix)) {
      for (const [key, raw] of Object.entries(data.efficiency_matrix)) {
        if (!KEY_PATTERN.test(key)) continue;
        const entry = parseEntry(raw);
        if (!entry) continue;
        const [phases, volts] = key.split('_').map(Number) as [number, number];
        if (revision < PHASE_MULTIPLIER_REVISION && phases === 2 && volts < 410) {
          entry.efficiency = Math.min(entry.efficiency * 1.5, MAX_VALID_EFFICIENCY);
          entry.history = entry.history.map((v) => Math.min(v * 1.5, MAX_VALID_EFFICIENCY));
        }
        matrix.entries.set(key, entry);
      }
    }
    matrix.migrateLegacy(data);
    return matrix;
  }

  private migrateLegacy(data: Record<string, unknown>): void {
    const acCount = data.ac_session_count;
    if (this.entries.size === 0 && isFiniteNumber(data.ac_efficiency) && isFiniteNumber(acCount) && acCount > 0) {
      this.entries.set('1_250_16', {
        efficiency: data.ac_efficiency,
        sample_count: Math.trunc(acCount),
        history: [data.ac_efficiency],
      });
    }
    const dcCount = data.dc_session_count;
    const dcKey = this.dcKey();
    if (!this.entries.has(dcKey) && isFiniteNumber(data.dc_efficiency) && isFiniteNumber(dcCount) && dcCount > 0) {
      this.entries.set(dcKey, { efficiency: data.dc_efficiency, sample_count: Math.trunc(dcCount), history: [] });
    }
  }

  toJSON(): EfficiencyMatrixData {
    const efficiency_matrix: Record<string, EfficiencyEntry> = {};
    for (const [key, entry] of this.entries) {
      efficiency_matrix[key] = {
        efficiency: entry.efficiency,
        sample_count: entry.sample_count,
        history: [...entry.history],
      };
    }
    return {
      efficiency_matrix,
      voltage_brackets: [...this.voltageBrackets],
      current_brackets: [...this.currentBrackets],
      phase_multiplier_revision: PHASE_MULTIPLIER_REVISION,
    };
  }

  private dcKey(): string {
    return `0_${nearestBracket(DC_NOMINAL_VOLTS, this.voltageBrackets)}_0`;
  }

  /**
   * The charging condition: AC → `<phases>_<voltage bracket>_<current bracket>`; DC → one key for every pack voltage.
   * Unknown voltage or current count as 230 V / 16 A, the commonest European wallbox.
   */
  keyFor(method: Method, phases: number, volts: number | null, amps: number | null): string {
    if (method === 'DC') return this.dcKey();
    const v = nearestBracket(volts ?? FALLBACK_VOLTS, this.voltageBrackets);
    const i = nearestBracket(amps ?? FALLBACK_AMPS, this.currentBrackets);
    return `${Math.max(1, Math.trunc(phases))}_${v}_${i}`;
  }

  /**
   * The current bracket that carried the most energy (`energyByAmps`: gross kWh per current), ties to the lower one;
   * null when no energy was counted at a known current. The reference keys by the last current (§12.2 #18), so a
   * charge that ends on a taper is filed under a condition the next charge never looks up.
   */
  dominantCurrent(energyByAmps: Readonly<Record<string, number>>): number | null {
    const byBracket = new Map<number, number>();
    for (const [amps, kwh] of Object.entries(energyByAmps)) {
      const value = Number(amps);
      if (!Number.isFinite(value) || !(kwh > 0)) continue;
      const bracket = nearestBracket(value, this.currentBrackets);
      byBracket.set(bracket, (byBracket.get(bracket) ?? 0) + kwh);
    }
    let best: number | null = null;
    let bestKwh = 0;
    for (const [bracket, kwh] of byBracket) {
      if (kwh > bestKwh || (kwh === bestKwh && best !== null && bracket < best)) {
        best = bracket;
        bestKwh = kwh;
      }
    }
    return best;
  }

  entry(key: string): Readonly<EfficiencyEntry> | undefined {
    return this.entries.get(key);
  }

  conditions(): string[] {
    return [...this.entries.keys()];
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The efficiency to use: the exact condition once learned; for AC otherwise the sample-weighted mean of every AC
   * condition (a car's AC efficiency varies less between wallboxes than the default's distance from it); else the
   * default 0.90 AC / 0.93 DC.
   */
  lookup(method: Method, phases: number, volts: number | null, amps: number | null): EfficiencyLookup {
    const condition = this.keyFor(method, phases, volts, amps);
    const exact = this.entries.get(condition);
    if (exact && exact.sample_count >= 1) {
      const uncertainty =
        exact.sample_count >= 3 && exact.history.length >= 2
          ? Math.max(populationStdDev(exact.history), EFFICIENCY_UNCERTAINTY_FLOOR)
          : EFFICIENCY_UNCERTAINTY_FEW;
      return { efficiency: exact.efficiency, condition, samples: exact.sample_count, source: 'learned', uncertainty };
    }
    if (method === 'AC') {
      let weighted = 0;
      let samples = 0;
      for (const [key, entry] of this.entries) {
        if (phasesOfKey(key) === 0 || entry.sample_count <= 0) continue;
        weighted += entry.efficiency * entry.sample_count;
        samples += entry.sample_count;
      }
      if (samples > 0) {
        return {
          efficiency: weighted / samples,
          condition,
          samples,
          source: 'mean',
          uncertainty: EFFICIENCY_UNCERTAINTY_MEAN,
        };
      }
    }
    return {
      efficiency: method === 'DC' ? DEFAULT_DC_EFFICIENCY : DEFAULT_AC_EFFICIENCY,
      condition,
      samples: 0,
      source: 'default',
      uncertainty: EFFICIENCY_UNCERTAINTY_DEFAULT,
    };
  }

  /**
   * One validated measurement for a condition (§3.5): the first sample becomes the efficiency; later ones move it by
   * an EMA whose rate settles at 0.2. From 5 history values on, a value beyond 2σ of the history is rejected; it is
   * still kept in the history so that a genuine shift (new charger, season) is accepted after one or two sessions.
   */
  learn(condition: string, measured: number): LearnOutcome {
    const existing = this.entries.get(condition);
    if (!existing) {
      const entry = { efficiency: measured, sample_count: 1, history: [measured] };
      this.entries.set(condition, entry);
      return { accepted: true, entry };
    }
    let outlier = false;
    if (existing.history.length >= OUTLIER_MIN_HISTORY) {
      const m = mean(existing.history);
      outlier = Math.abs(measured - m) > OUTLIER_SIGMAS * populationStdDev(existing.history);
    }
    existing.history = [...existing.history, measured].slice(-HISTORY_LENGTH);
    if (outlier) return { accepted: false, entry: existing };
    const rate = Math.max(LEARNING_RATE_FLOOR, 1 / (existing.sample_count + 1));
    existing.efficiency = existing.efficiency * (1 - rate) + measured * rate;
    existing.sample_count += 1;
    return { accepted: true, entry: existing };
  }

  /** AC drops every condition with phases > 0, DC the phases-0 one, both everything. */
  reset(scope: ResetScope): void {
    for (const key of [...this.entries.keys()]) {
      const dc = phasesOfKey(key) === 0;
      if (scope === 'both' || (scope === 'dc') === dc) this.entries.delete(key);
    }
  }

  /** The "Charging Efficiency Matrix" summary (§3.6): display only, it does not influence learning. */
  diagnostics(): MatrixDiagnostics {
    let acSessions = 0;
    let acConditions = 0;
    let dcSessions = 0;
    const profiles: Record<string, ChargingProfile> = {};
    for (const [key, entry] of this.entries) {
      if (phasesOfKey(key) === 0) {
        dcSessions += entry.sample_count;
      } else {
        acSessions += entry.sample_count;
        acConditions += 1;
      }
      profiles[key] = {
        efficiency: round2(entry.efficiency * 100),
        sessions: entry.sample_count,
        std_dev: entry.history.length < 2 ? 0 : round2(populationStdDev(entry.history) * 100),
        trend: trendOf(entry.history),
      };
    }
    const parts: string[] = [];
    if (acSessions > 0) parts.push(`${acSessions} AC sessions (${acConditions} conditions)`);
    if (dcSessions > 0) parts.push(`${dcSessions} DC sessions`);
    return { state: parts.length > 0 ? parts.join(', ') : '0 sessions', profiles };
  }
}

/** `3_250_16` → `3P/250V/16A`, `0_410_0` → `DC/410V`, as the integration labels conditions. */
export function conditionLabel(key: string): string {
  const match = KEY_PATTERN.exec(key);
  if (!match) return key;
  const [, phases, volts, amps] = match;
  return phases === '0' ? `DC/${volts}V` : `${phases}P/${volts}V/${amps}A`;
}
