import type { StreamMessage } from '../cardata/wire';

/** The most descriptors a client accepts in one stream message; the integration rejects anything above (§6.4). */
export const MAX_DESCRIPTORS_PER_MESSAGE = 1000;

/**
 * A stream payload that is not valid JSON. BMW's stream occasionally carries malformed JSON and empty payloads
 * (§9.25); the variants rotate so a client meets each kind: a message cut off mid-value, an empty payload, and
 * non-JSON text.
 */
export function malformedPayload(vin: string, gcid: string, now: number, occurrence: number): Buffer {
  const variants = [
    () =>
      `{"vin":"${vin}","entityId":"${gcid}","topic":"${vin}","timestamp":"${new Date(now).toISOString()}",` +
      `"data":{"vehicle.drivetrain.batteryManagement.header":{"timestamp":"${isoSeconds(now)}","value":`,
    () => '',
    () => `vin=${vin};data=<unavailable>`,
  ];
  return Buffer.from(variants[occurrence % variants.length]());
}

/** A well-formed message with one descriptor more than a client may accept, for the oversized-payload guard. */
export function oversizedPayload(vin: string, gcid: string, now: number): Buffer {
  const data: StreamMessage['data'] = {};
  for (let i = 0; i <= MAX_DESCRIPTORS_PER_MESSAGE; i++) {
    data[`vehicle.sim.padding.d${String(i).padStart(4, '0')}`] = { timestamp: isoSeconds(now), value: i };
  }
  const message: StreamMessage = { vin, entityId: gcid, topic: vin, timestamp: new Date(now).toISOString(), data };
  return Buffer.from(JSON.stringify(message));
}

/** Per-descriptor timestamps are second precision with Z on the stream (§6.4). */
function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
