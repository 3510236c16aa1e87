/** Capped exponential back-off: first, first×2, … up to max; reset() after a success. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly firstMs: number,
    private readonly maxMs: number,
  ) {}

  next(): number {
    const delay = Math.min(this.maxMs, this.firstMs * 2 ** this.attempt);
    this.attempt++;
    return delay;
  }

  get attempts(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}

/**
 * Opens after `threshold` failures within `windowMs` and then refuses attempts for `openMs`, so a broker that refuses
 * everything sees a handful of attempts an hour instead of a storm (BMW rate-limits connects, protocol §6.3).
 */
export class CircuitBreaker {
  private failures: number[] = [];
  private openUntil = 0;

  constructor(
    private readonly threshold: number,
    private readonly windowMs: number,
    private readonly openMs: number,
  ) {}

  /** Record a failure at `now`; returns true when this failure opened the breaker. */
  failure(now: number): boolean {
    this.failures = this.failures.filter((t) => now - t < this.windowMs);
    this.failures.push(now);
    if (this.failures.length >= this.threshold) {
      this.failures = [];
      this.openUntil = now + this.openMs;
      return true;
    }
    return false;
  }

  success(): void {
    this.failures = [];
    this.openUntil = 0;
  }

  /** Milliseconds until attempts are allowed again (0 = closed). */
  remaining(now: number): number {
    return Math.max(0, this.openUntil - now);
  }
}
