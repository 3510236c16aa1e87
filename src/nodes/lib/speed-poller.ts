import type { Clock } from '../../cardata/clock';
import { Heartbeat } from './heartbeat';

/** The reference's polling period (reference/algorithms.md §5): one reading per minute of driving. */
export const TRACCAR_POLL_MS = 60_000;

interface Loop {
  heartbeat: Heartbeat;
  abort: AbortController;
  busy: boolean;
}

/**
 * One polling loop per VIN on the injected clock: a poll at once, then every 60 s, until stopped. A loop already
 * running is not started twice (a trip start seen from two nodes); a poll still waiting for its answer when the next is
 * due is not doubled; stopping aborts the request in flight, so nothing is sent for a trip that has ended.
 */
export class SpeedPoller {
  private readonly loops = new Map<string, Loop>();

  constructor(
    private readonly clock: Clock,
    private readonly poll: (vin: string, signal: AbortSignal) => Promise<void>,
    private readonly periodMs = TRACCAR_POLL_MS,
  ) {}

  get active(): string[] {
    return [...this.loops.keys()];
  }

  isActive(vin: string): boolean {
    return this.loops.has(vin);
  }

  start(vin: string): void {
    if (this.loops.has(vin)) return;
    const loop: Loop = {
      abort: new AbortController(),
      busy: false,
      heartbeat: new Heartbeat(this.clock, this.periodMs, () => this.run(vin, loop)),
    };
    this.loops.set(vin, loop);
    this.run(vin, loop);
  }

  stop(vin: string): void {
    const loop = this.loops.get(vin);
    if (!loop) return;
    this.loops.delete(vin);
    loop.heartbeat.stop();
    loop.abort.abort();
  }

  stopAll(): void {
    for (const vin of this.active) this.stop(vin);
  }

  private run(vin: string, loop: Loop): void {
    if (loop.busy || loop.abort.signal.aborted) return;
    loop.busy = true;
    this.poll(vin, loop.abort.signal)
      .catch(() => undefined) // the poll function reports its own failures
      .finally(() => {
        loop.busy = false;
      });
  }
}
