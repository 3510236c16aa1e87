import type { Reading } from '../readings';

/**
 * When to spend one of the day's 50 REST calls on a vehicle, so that values the stream does not carry (or dropped)
 * are fetched when they matter: right after a trip or a charge ends, when an AC charge starts without a phase count,
 * and now and then for a vehicle whose data went stale (cardata-protocol.md §8). Pure: time comes in as an argument;
 * the adapter runs the timer and makes the call.
 */
export type PollReason = 'trip_end' | 'charge_end' | 'phase_count' | 'stale';

export interface PollRequest {
  vin: string;
  reason: PollReason;
}

export interface PollPlannerOptions {
  /** Calls this planner may spend in any 24 h; keep it below the account's 50 so users' own calls still fit. */
  dailyBudget: number;
  /** No event poll of a VIN sooner than this after its last poll (reference: 10 min). */
  eventCooldownMs: number;
  /** An AC charge that started without a phase count is polled this long after the start (reference: 60 s). */
  phaseDelayMs: number;
  /** At most one phase-count poll per VIN in this long (reference: 1 h). */
  phaseCooldownMs: number;
  /** A VIN with no data for this long is polled (0 = derive from the budget, as the reference does). */
  staleAfterMs: number;
}

export const DEFAULT_POLL_OPTIONS: PollPlannerOptions = {
  dailyBudget: 24,
  eventCooldownMs: 10 * 60_000,
  phaseDelayMs: 60_000,
  phaseCooldownMs: 60 * 60_000,
  staleAfterMs: 0,
};

interface VinState {
  lastDataAt?: number;
  lastPollAt?: number;
  lastPhasePollAt?: number;
  moving?: boolean;
  charging?: boolean;
  phaseKnownAt?: number;
  pending: { reason: PollReason; dueAt: number }[];
}

export interface PollPlannerState {
  vins: Record<string, VinState>;
  spent: number[];
}

const DAY_MS = 86_400_000;
const CHARGING_STATES = new Set(['CHARGINGACTIVE', 'CHARGING_ACTIVE', 'CHARGING', 'CHARGING_IN_PROGRESS']);
const STAT = 'vehicle.drivetrain.electricEngine.charging.status';
const MOV = 'vehicle.isMoving';
const PH = 'vehicle.drivetrain.electricEngine.charging.phaseNumber';
const METH = 'vehicle.drivetrain.electricEngine.charging.method';
const PHASE_VALUES = new Set(['1-PHASES', '2-PHASES', '3-PHASES']);
// The reference's priority when the budget allows only some: what the user sees changed most comes first.
const PRIORITY: Record<PollReason, number> = { charge_end: 0, trip_end: 1, phase_count: 2, stale: 3 };

export class PollPlanner {
  readonly options: PollPlannerOptions;
  private readonly vins = new Map<string, VinState>();
  private spent: number[];

  constructor(options: Partial<PollPlannerOptions> = {}, state?: PollPlannerState) {
    this.options = { ...DEFAULT_POLL_OPTIONS, ...options };
    if (!(this.options.dailyBudget >= 0)) throw new Error('dailyBudget must be 0 or more');
    for (const [vin, s] of Object.entries(state?.vins ?? {})) this.vins.set(vin, { ...s, pending: [...s.pending] });
    this.spent = [...(state?.spent ?? [])];
  }

  /** A vehicle the planner should look after even before it sent anything (from the account's vehicle list). */
  track(vin: string, now: number): void {
    if (!this.vins.has(vin)) this.vins.set(vin, { lastDataAt: now, pending: [] });
  }

  /** Readings of one BMW message (stream or REST): notes fresh data and the transitions that call for a poll. */
  observe(vin: string, readings: Reading[], now: number): void {
    const state = this.state(vin);
    state.lastDataAt = now;
    const get = (d: string) => readings.find((r) => r.descriptor === d);
    const moving = get(MOV);
    if (moving && typeof moving.value === 'boolean') {
      if (state.moving === true && moving.value === false) this.request(state, 'trip_end', now);
      state.moving = moving.value;
    }
    const status = get(STAT);
    if (status && status.value !== undefined) {
      const charging = typeof status.value === 'string' && CHARGING_STATES.has(status.value.toUpperCase());
      if (state.charging && !charging) this.request(state, 'charge_end', now);
      if (!state.charging && charging) {
        const method = get(METH)?.value;
        const isDc = typeof method === 'string' && method.toUpperCase().includes('DC');
        // BMW may send the phase count up to 10 s after the status; give it a minute before spending a call.
        if (!isDc) state.pending.push({ reason: 'phase_count', dueAt: now + this.options.phaseDelayMs });
      }
      state.charging = charging;
    }
    // After the status, so a phase count in the same message as the charge start cancels the poll at once.
    const phase = get(PH);
    if (phase && typeof phase.value === 'string' && PHASE_VALUES.has(phase.value) && state.charging) {
      state.phaseKnownAt = now;
      this.drop(state, 'phase_count');
    }
  }

  /**
   * A poll another part asked for (the charging engine's charge-end poll), under the same budget and cooldowns; due at
   * once.
   */
  requestPoll(vin: string, reason: PollReason, now: number): void {
    this.request(this.state(vin), reason, now);
  }

  /** A trip ended by another detector (GPS motion), for cars that do not send isMoving. */
  tripEnded(vin: string, now: number): void {
    this.request(this.state(vin), 'trip_end', now);
  }

  /** The polls to make now, within the budget and the cooldowns; each is recorded as spent when returned. */
  due(now: number): PollRequest[] {
    const out: (PollRequest & { at: number })[] = [];
    for (const [vin, state] of this.vins) {
      for (const p of state.pending) if (p.dueAt <= now) out.push({ vin, reason: p.reason, at: p.dueAt });
      if (now - (state.lastDataAt ?? now) >= this.staleAfter() && !state.pending.some((p) => p.dueAt <= now)) {
        const since = Math.max(state.lastDataAt ?? 0, state.lastPollAt ?? 0);
        if (now - since >= this.staleAfter()) out.push({ vin, reason: 'stale', at: since + this.staleAfter() });
      }
    }
    out.sort((a, b) => PRIORITY[a.reason] - PRIORITY[b.reason] || a.at - b.at);
    const granted: PollRequest[] = [];
    for (const request of out) {
      const state = this.state(request.vin);
      if (granted.some((g) => g.vin === request.vin)) {
        this.drop(state, request.reason);
        continue;
      }
      const cooldown = this.cooldownLeft(state, request.reason, now);
      if (cooldown > 0) {
        if (request.reason !== 'stale') this.drop(state, request.reason);
        continue;
      }
      if (this.budgetLeft(now) <= 0) break;
      this.spent.push(now);
      state.lastPollAt = now;
      if (request.reason === 'phase_count') state.lastPhasePollAt = now;
      this.drop(state, request.reason);
      granted.push({ vin: request.vin, reason: request.reason });
    }
    return granted;
  }

  /** When due() may next have something to hand out; undefined when nothing is waiting. */
  nextWakeAt(now: number): number | undefined {
    let next: number | undefined;
    const consider = (t: number) => (next = next === undefined ? t : Math.min(next, t));
    for (const state of this.vins.values()) {
      for (const p of state.pending) consider(Math.max(p.dueAt, now));
      const since = Math.max(state.lastDataAt ?? now, state.lastPollAt ?? 0);
      consider(Math.max(now, since + this.staleAfter()));
    }
    if (next !== undefined && this.budgetLeft(now) <= 0) next = Math.max(next, this.spentWindowOpensAt());
    return next;
  }

  budgetLeft(now: number): number {
    this.spent = this.spent.filter((t) => t > now - DAY_MS);
    return Math.max(0, this.options.dailyBudget - this.spent.length);
  }

  snapshot(): PollPlannerState {
    const vins: Record<string, VinState> = {};
    for (const [vin, s] of this.vins) vins[vin] = { ...s, pending: [...s.pending] };
    return { vins, spent: [...this.spent] };
  }

  /**
   * The reference's fallback: spread the budget over the day across the vehicles, keeping half of it for events,
   * so one car with a budget of 24 is polled every 2 h at the most when it sends nothing.
   */
  private staleAfter(): number {
    if (this.options.staleAfterMs > 0) return this.options.staleAfterMs;
    const cars = Math.max(1, this.vins.size);
    const forStale = Math.max(cars, Math.floor(this.options.dailyBudget / 2));
    return (DAY_MS * cars) / forStale;
  }

  private cooldownLeft(state: VinState, reason: PollReason, now: number): number {
    if (reason === 'phase_count') {
      return state.lastPhasePollAt === undefined ? 0 : state.lastPhasePollAt + this.options.phaseCooldownMs - now;
    }
    if (reason === 'stale') return 0;
    return state.lastPollAt === undefined ? 0 : state.lastPollAt + this.options.eventCooldownMs - now;
  }

  private spentWindowOpensAt(): number {
    return Math.min(...this.spent) + DAY_MS;
  }

  private request(state: VinState, reason: PollReason, now: number): void {
    if (!state.pending.some((p) => p.reason === reason)) state.pending.push({ reason, dueAt: now });
  }

  private drop(state: VinState, reason: PollReason): void {
    state.pending = state.pending.filter((p) => p.reason !== reason);
  }

  private state(vin: string): VinState {
    let state = this.vins.get(vin);
    if (!state) {
      state = { pending: [] };
      this.vins.set(vin, state);
    }
    return state;
  }
}
