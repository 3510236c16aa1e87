import type { Reading } from '../../vehicle/readings';

/**
 * vehicle-stream sends one message per descriptor, all of one BMW message in one go. The engines handle the
 * descriptors of a message together, in a fixed order (a charge start with its phase count, a SOC at the end of a
 * charge), so fed one at a time they would send intermediate predictions and could decide differently. This joins
 * them again: consecutive messages of the same group (VIN and arrival time) are handed over as one, when a message of
 * another group or another kind arrives, or once the burst has been delivered (next turn of the event loop).
 */
export class DescriptorBatch<T> {
  private group: string | null = null;
  private vin = '';
  private readings: Reading[] = [];
  private items: T[] = [];
  private pending: NodeJS.Immediate | undefined;

  constructor(private readonly handle: (vin: string, readings: Reading[], items: T[]) => void) {}

  add(group: string, vin: string, readings: readonly Reading[], item: T): void {
    if (this.group !== null && this.group !== group) this.flush();
    this.group = group;
    this.vin = vin;
    this.readings.push(...readings);
    this.items.push(item);
    this.pending ??= setImmediate(() => this.flush());
  }

  /** Hand over what is collected now: before any other input, a heartbeat, or a close. */
  flush(): void {
    if (this.pending) clearImmediate(this.pending);
    this.pending = undefined;
    if (this.group === null) return;
    const { vin, readings, items } = this;
    this.group = null;
    this.readings = [];
    this.items = [];
    this.handle(vin, readings, items);
  }
}
