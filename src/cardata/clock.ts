/**
 * Time as a dependency. Everything that waits or reads the time takes a Clock, so the same code runs on the wall
 * clock live and on a ManualClock in tests, where hours pass in microseconds and nothing sleeps.
 */
export interface Timer {
  readonly due: number;
}

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  clearTimeout(timer: Timer | undefined): void;
}

interface SystemTimer extends Timer {
  handle: NodeJS.Timeout;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, Math.max(0, ms));
    handle.unref?.();
    const timer: SystemTimer = { due: Date.now() + ms, handle };
    return timer;
  },
  clearTimeout(timer) {
    if (timer && 'handle' in timer) clearTimeout((timer as SystemTimer).handle);
  },
};

interface ManualTimer extends Timer {
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A clock that only moves when told to. Timers fire in due order; equal due times fire in the order they were set. */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: ManualTimer[] = [];

  constructor(start: number | string = Date.UTC(2026, 2, 2, 10, 0, 0)) {
    this.current = typeof start === 'string' ? Date.parse(start) : start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const timer: ManualTimer = { due: this.current + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return timer;
  }

  clearTimeout(timer: Timer | undefined): void {
    if (timer) (timer as ManualTimer).cancelled = true;
  }

  /** Number of timers still waiting. */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Move time forward synchronously, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (let next = this.nextDue(target); next; next = this.nextDue(target)) {
      this.current = Math.max(this.current, next.due);
      next.cancelled = true;
      next.fn();
    }
    this.current = target;
  }

  /**
   * Like advance, but lets promises and I/O callbacks run after each timer, for code whose timers start async work
   * (a reconnect, an HTTP call) that must settle before the next timer is judged.
   */
  async advanceAsync(ms: number, stepMs = ms): Promise<void> {
    const target = this.current + ms;
    while (this.current < target) {
      const stepTarget = Math.min(target, this.current + stepMs);
      for (let next = this.nextDue(stepTarget); next; next = this.nextDue(stepTarget)) {
        this.current = Math.max(this.current, next.due);
        next.cancelled = true;
        next.fn();
        await settle();
      }
      this.current = stepTarget;
      await settle();
    }
  }

  private nextDue(limit: number): ManualTimer | undefined {
    this.timers = this.timers.filter((t) => !t.cancelled);
    let best: ManualTimer | undefined;
    for (const t of this.timers) {
      if (t.due <= limit && (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq))) best = t;
    }
    return best;
  }
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A clock running `speed` times faster than its base, starting at `start` (defaults to the base's now). The
 * simulator's vehicles live on one of these, so `--speed 60` turns an hour's charge into a minute.
 */
export class ScaledClock implements Clock {
  private readonly baseStart: number;
  private readonly start: number;

  constructor(
    private readonly base: Clock,
    readonly speed: number,
    start?: number,
  ) {
    if (!(speed > 0)) throw new Error(`speed must be a positive number, got ${speed}`);
    this.baseStart = base.now();
    this.start = start ?? this.baseStart;
  }

  now(): number {
    return this.start + (this.base.now() - this.baseStart) * this.speed;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const inner = this.base.setTimeout(fn, ms / this.speed);
    return Object.assign(Object.create(inner) as Timer, { inner, due: this.now() + ms });
  }

  clearTimeout(timer: Timer | undefined): void {
    if (timer) this.base.clearTimeout((timer as Timer & { inner: Timer }).inner);
  }
}
