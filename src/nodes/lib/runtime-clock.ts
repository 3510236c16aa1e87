import type { NodeAPI } from 'node-red';
import { systemClock, type Clock } from '../../cardata/clock';

/**
 * The clock the prediction nodes run on: the wall clock, unless the runtime's settings carry `cardataClock` (not
 * documented for users). Tests put a ManualClock there, so hours of charging pass in microseconds with the node's
 * real heartbeat, exactly as `cardata-replay` runs them in virtual time.
 */
export function clockOf(RED: NodeAPI): Clock {
  const candidate = (RED.settings as unknown as { cardataClock?: unknown }).cardataClock;
  return isClock(candidate) ? candidate : systemClock;
}

function isClock(value: unknown): value is Clock {
  if (typeof value !== 'object' || value === null) return false;
  const clock = value as Record<string, unknown>;
  return (
    typeof clock.now === 'function' &&
    typeof clock.setTimeout === 'function' &&
    typeof clock.clearTimeout === 'function'
  );
}
