import type { Clock, Timer } from '../../cardata/clock';

/** The engines' heartbeat period (VehicleEngines.tick; `cardata-replay` fires it on the same 30 s grid). */
export const HEARTBEAT_MS = 30_000;

/**
 * A repeating timer on a fixed grid counted from its start, as `cardata-replay` counts it from the first line. Built
 * on the Clock rather than setInterval so tests can run it in virtual time. Beats missed while the process stalled
 * (a suspended laptop, a blocked event loop) are skipped, not fired in a burst: each beat reads the clock anyway.
 */
export class Heartbeat {
  private timer: Timer | undefined;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly periodMs: number,
    private readonly beat: (now: number) => void,
  ) {
    this.arm(clock.now() + periodMs);
  }

  stop(): void {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(due: number): void {
    this.timer = this.clock.setTimeout(() => {
      if (this.stopped) return;
      const now = this.clock.now();
      // The next beat is armed first, so a beat that throws cannot stop the heartbeat.
      this.arm(due + (Math.floor(Math.max(0, now - due) / this.periodMs) + 1) * this.periodMs);
      this.beat(now);
    }, due - this.clock.now());
  }
}
