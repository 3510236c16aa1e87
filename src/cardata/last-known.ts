import { readJsonFile, writeFileAtomic } from './atomic-file';
import type { StreamDescriptorValue, StreamMessage } from './wire';

export interface KnownValue extends StreamDescriptorValue {
  /** When it reached us (epoch ms). */
  receivedAt: number;
}

/**
 * The last value of every descriptor per VIN, as BMW last sent it, kept on disk so that after a restart a flow has
 * values before the car next wakes up (parked cars are silent for hours). Writes are coalesced: at most one per
 * `writeEveryMs`, plus one on close, since a busy stream sends many messages a second.
 */
export class LastKnownStore {
  private readonly vins = new Map<string, Map<string, KnownValue>>();
  private dirty = false;
  private lastWrite = 0;

  constructor(
    private readonly path: string,
    private readonly writeEveryMs = 10_000,
  ) {
    let stored: Record<string, Record<string, KnownValue>> | undefined;
    try {
      stored = readJsonFile(path);
    } catch {
      stored = undefined; // a damaged file costs only the restored values, never the node
    }
    for (const [vin, values] of Object.entries(stored ?? {})) this.vins.set(vin, new Map(Object.entries(values)));
  }

  record(message: StreamMessage, receivedAt: number): void {
    let values = this.vins.get(message.vin);
    if (!values) {
      values = new Map();
      this.vins.set(message.vin, values);
    }
    // Runs for every stream message: update the stored value in place rather than allocate a new one per descriptor.
    // Nothing outside holds these objects (messages() copies them), so changing them is safe.
    const data = message.data;
    for (const descriptor in data) {
      const entry = data[descriptor];
      if (!entry || typeof entry !== 'object') continue;
      const known = values.get(descriptor);
      // A hand-edited file may hold anything where a value belongs: such an entry is replaced, not updated.
      if (typeof known === 'object' && known !== null) {
        known.value = entry.value;
        known.unit = entry.unit;
        known.timestamp = entry.timestamp;
        known.receivedAt = receivedAt;
      } else {
        values.set(descriptor, { value: entry.value, unit: entry.unit, timestamp: entry.timestamp, receivedAt });
      }
    }
    this.dirty = true;
    if (receivedAt - this.lastWrite >= this.writeEveryMs) this.flush(receivedAt);
  }

  /** The stored values of a VIN as one BMW-shaped message per VIN, for replaying into a flow. */
  messages(vin?: string): { message: StreamMessage; receivedAt: number }[] {
    const out: { message: StreamMessage; receivedAt: number }[] = [];
    for (const [v, values] of this.vins) {
      if (vin && v !== vin) continue;
      const data: StreamMessage['data'] = {};
      let receivedAt = 0;
      for (const [descriptor, known] of values) {
        const { receivedAt: at, ...entry } = known;
        data[descriptor] = entry;
        receivedAt = Math.max(receivedAt, at);
      }
      out.push({ message: { vin: v, timestamp: new Date(receivedAt).toISOString(), data }, receivedAt });
    }
    return out;
  }

  flush(now: number): void {
    if (!this.dirty) return;
    const out: Record<string, Record<string, KnownValue>> = {};
    for (const [vin, values] of this.vins) out[vin] = Object.fromEntries(values);
    writeFileAtomic(this.path, JSON.stringify(out));
    this.dirty = false;
    this.lastWrite = now;
  }
}
