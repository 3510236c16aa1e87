import type { Clock } from '../cardata/clock';

const DAY_MS = 86_400_000;

export type QuotaWindow = 'utc-midnight' | 'rolling';

export interface QuotaOptions {
  /** Calls per account per window (BMW: 50 a day, §4.5). */
  limit: number;
  /** BMW does not say when the day ends: the integration assumes 00:00 UTC, ioBroker a rolling 24 h (§11.1). */
  window: QuotaWindow;
}

export interface QuotaStatus {
  limit: number;
  used: number;
  remaining: number;
  /** utc-midnight: the coming 00:00 UTC; rolling: when the oldest counted call ages out (now, if there is none). */
  resetAt: string;
  window: QuotaWindow;
}

export type QuotaDecision =
  { ok: true; status: QuotaStatus } | { ok: false; status: QuotaStatus; retryAfterSec: number };

/**
 * The REST budget per account (GCID): a second client of the same account shares it, as users report (§4.5).
 * The REST layer decides which calls reach `consume`; refused calls are not recorded, so `used` never exceeds `limit`.
 */
export class QuotaLedger {
  readonly options: QuotaOptions;
  /** Call instants per GCID; for utc-midnight only the current day's are kept. */
  private readonly calls = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    options: Partial<QuotaOptions> = {},
  ) {
    this.options = { limit: 50, window: 'utc-midnight', ...options };
  }

  /** Count one call if the budget allows it. */
  consume(gcid: string): QuotaDecision {
    const calls = this.current(gcid);
    if (calls.length >= this.options.limit) {
      const status = this.status(gcid);
      const retryAfterSec = Math.max(1, Math.ceil((Date.parse(status.resetAt) - this.clock.now()) / 1000));
      return { ok: false, status, retryAfterSec };
    }
    calls.push(this.clock.now());
    return { ok: true, status: this.status(gcid) };
  }

  status(gcid: string): QuotaStatus {
    const calls = this.current(gcid);
    const used = Math.min(calls.length, this.options.limit);
    return {
      limit: this.options.limit,
      used,
      remaining: this.options.limit - used,
      resetAt: new Date(this.resetAt(calls)).toISOString(),
      window: this.options.window,
    };
  }

  /** Every account seen so far, for the simulator's state endpoint. */
  accounts(): string[] {
    return [...this.calls.keys()];
  }

  /** Forget the calls of one account, or of all. */
  reset(gcid?: string): void {
    if (gcid === undefined) this.calls.clear();
    else this.calls.delete(gcid);
  }

  private current(gcid: string): number[] {
    const now = this.clock.now();
    const counts =
      this.options.window === 'rolling'
        ? (t: number) => t > now - DAY_MS
        : (t: number) => t >= Math.floor(now / DAY_MS) * DAY_MS;
    const kept = (this.calls.get(gcid) ?? []).filter(counts);
    this.calls.set(gcid, kept);
    return kept;
  }

  private resetAt(calls: number[]): number {
    const now = this.clock.now();
    if (this.options.window === 'utc-midnight') return (Math.floor(now / DAY_MS) + 1) * DAY_MS;
    // Rolling: the budget grows again when the oldest counted call is a day old.
    return calls.length === 0 ? now : calls[0] + DAY_MS;
  }
}
