/**
 * The account's REST budget (protocol §4.5): BMW allows 50 calls a day, but whether "a day" means since 00:00 UTC or
 * a rolling 24 h is unconfirmed, so the ledger honours both: a call is allowed only while both counts are below the
 * limit. Every node of the account spends from this one ledger. Pure: time comes in as an argument; the caller
 * persists `toJSON()`.
 */
export interface QuotaSnapshot {
  limit: number;
  used: number;
  remaining: number;
  /** ISO time at which at least one more call becomes available (when remaining is 0), else the next UTC midnight. */
  resetsAt: string;
  /** ISO time until which BMW told us to stop (CU-429 / 429), if it did. */
  blockedUntil?: string;
}

export interface QuotaLedgerState {
  calls: number[];
  blockedUntil?: number;
}

const DAY_MS = 86_400_000;

export class QuotaLedger {
  private calls: number[];
  private blockedUntil?: number;

  constructor(
    readonly limit = 50,
    state?: QuotaLedgerState,
  ) {
    this.calls = (state?.calls ?? []).filter((t) => Number.isFinite(t)).sort((a, b) => a - b);
    this.blockedUntil = state?.blockedUntil;
  }

  /** How many calls this instant allows. */
  remaining(now: number): number {
    if (this.blockedUntil !== undefined && now < this.blockedUntil) return 0;
    return Math.max(0, this.limit - this.used(now));
  }

  used(now: number): number {
    const midnight = utcMidnight(now);
    const sinceMidnight = this.calls.filter((t) => t >= midnight).length;
    const rolling = this.calls.filter((t) => t > now - DAY_MS).length;
    return Math.max(sinceMidnight, rolling);
  }

  /** Record a call about to be made; false (and nothing recorded) when the budget does not allow it. */
  tryReserve(now: number): boolean {
    this.prune(now);
    if (this.remaining(now) <= 0) return false;
    this.calls.push(now);
    return true;
  }

  /** BMW said the quota is spent: stop until `until` (Retry-After) or the next UTC midnight. */
  block(now: number, retryAfterMs?: number): void {
    const until = retryAfterMs !== undefined && retryAfterMs > 0 ? now + retryAfterMs : nextUtcMidnight(now);
    this.blockedUntil = Math.max(this.blockedUntil ?? 0, until);
  }

  snapshot(now: number): QuotaSnapshot {
    this.prune(now);
    const used = this.used(now);
    const remaining = this.remaining(now);
    const blocked = this.blockedUntil !== undefined && now < this.blockedUntil ? this.blockedUntil : undefined;
    return {
      limit: this.limit,
      used,
      remaining,
      resetsAt: new Date(remaining > 0 ? nextUtcMidnight(now) : this.nextFreeAt(now)).toISOString(),
      ...(blocked !== undefined ? { blockedUntil: new Date(blocked).toISOString() } : {}),
    };
  }

  toJSON(): QuotaLedgerState {
    return { calls: [...this.calls], ...(this.blockedUntil !== undefined ? { blockedUntil: this.blockedUntil } : {}) };
  }

  /** The earliest instant at which a call is allowed again. */
  private nextFreeAt(now: number): number {
    let at = Math.max(now, this.blockedUntil ?? 0);
    // Both windows must have room: step to the later of the next UTC midnight (if the day is full) and the expiry of
    // the oldest call that keeps the rolling window full.
    for (let guard = 0; guard < 3 && this.remaining(at) <= 0; guard++) {
      const midnight = utcMidnight(at);
      const today = this.calls.filter((t) => t >= midnight).length;
      const rolling = this.calls.filter((t) => t > at - DAY_MS);
      const candidates = [at];
      if (today >= this.limit) candidates.push(nextUtcMidnight(at));
      if (rolling.length >= this.limit) candidates.push(rolling[rolling.length - this.limit] + DAY_MS);
      at = Math.max(...candidates);
    }
    return at;
  }

  private prune(now: number): void {
    const keepFrom = Math.min(now - DAY_MS, utcMidnight(now));
    if (this.calls.length && this.calls[0] < keepFrom) this.calls = this.calls.filter((t) => t >= keepFrom);
  }
}

export function utcMidnight(now: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS;
}

export function nextUtcMidnight(now: number): number {
  return utcMidnight(now) + DAY_MS;
}
