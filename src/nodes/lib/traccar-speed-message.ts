import type { TraccarReading } from '../../traccar/client';
import { speedBracket } from '../../vehicle/driving/speed-brackets';
import { metricMessage, type CarDataMessage } from './messages';

/** The metric the magic-soc node consumes (`<VIN>/traccar_speed`). */
export const TRACCAR_SPEED_METRIC = 'traccar_speed';

/**
 * One poll's reading as a message of the contract: payload km/h or null, `timestamp` the fix's device time (the poll
 * time when there is none), `receivedAt` the poll time. Speed is rounded to 1 m/h: knots × 1.852 leaves float noise
 * (54 kn → 100.00800000000001) that no consumer wants.
 */
export function traccarSpeedMessage(vin: string, reading: TraccarReading, polledAt: number): CarDataMessage {
  const speed = reading.speedKmh === null ? null : Math.round(reading.speedKmh * 1000) / 1000;
  const message = metricMessage(
    vin,
    TRACCAR_SPEED_METRIC,
    speed,
    reading.deviceTime ?? polledAt,
    {
      speed_bracket: speedBracket(speed),
      valid: reading.valid,
      stale: reading.reason === 'stale',
      reason: reading.reason,
      device_id: reading.deviceId,
      device_name: reading.deviceName,
      device_time: reading.deviceTime === null ? null : new Date(reading.deviceTime).toISOString(),
    },
    'km/h',
  );
  return { ...message, receivedAt: new Date(polledAt).toISOString() };
}
