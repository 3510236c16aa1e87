import { systemClock } from '../../cardata/clock';

/**
 * A real pause. Only the latency faults use it: they exist to trip a client's HTTP timeout, which runs on the wall
 * clock whatever clock the simulated world runs on.
 */
export function wallDelay(ms: number): Promise<void> {
  if (!(ms > 0)) return Promise.resolve();
  return new Promise((resolve) => systemClock.setTimeout(resolve, ms));
}
