/**
 * BMW messages of the scenario-vector notation (reference/algorithms.md §10) in the shapes the prediction nodes
 * accept: vehicle-stream's per-descriptor and batch outputs, cardata-api-call's answer, BMW's own stream message.
 */
import { readingsFromStream } from '../../src/cardata/normalise';
import { readingMessage } from '../../src/nodes/lib/messages';
import { ChargingScript, VIN, at } from '../unit/helpers/charging-script';

const notation = new ChargingScript();
/** P50 (§10): BMW's SOC with the car plugged in at t = -600, then the AC three-phase start at t = 0. */
export const PLUGGED = 'HDR=50 %, MAXE=80 kWh, TGT=80 %';
export const START = 'STAT=CHARGINGACTIVE, VOLT=230 V, AMP=16 A, PH="3-PHASES"';

/** One BMW message as vehicle-stream sends it by default: one message per descriptor, in payload order. */
export function perDescriptor(t: number, body: string): any[] {
  return readingsFromStream(notation.message(t, body)).map((r) => readingMessage(VIN, r, at(t), 'stream'));
}
/** vehicle-stream's batch output, for the vectors' VIN or another. */
export function batch(t: number, body: string, vin = VIN): any {
  return { topic: `${vin}/batch`, vin, metric: 'batch', payload: notation.message(t, body).data };
}
/** cardata-api-call's getTelematicData answer: BMW's REST body, every value a string, units spelled out. */
export function api(t: number, body: string): any {
  const telematicData: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(notation.message(t, body).data)) {
    telematicData[name] = {
      value: String(entry.value),
      unit: entry.unit === '%' ? 'percent' : entry.unit,
      timestamp: entry.timestamp,
    };
  }
  return { topic: 'getTelematicData', vin: VIN, operation: 'getTelematicData', payload: { telematicData } };
}
/** A stream message exactly as BMW publishes it (an mqtt-in node, a recording). */
export function bmwMessage(t: number, body: string): any {
  return { topic: 'cardata/raw', payload: notation.message(t, body) };
}

/** Let Node-RED deliver what was sent (each message in its own turn of the event loop) and the nodes answer. */
export const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};
