/**
 * Turns one upload of the car (a set of descriptor values) into the MQTT messages BMW publishes for it: with
 * quirks, 3–10 sparse messages of 1–3 descriptors within < 1 s, some values repeated; without, one message.
 * Messages wait here until the simulated clock reaches their timestamp, so none is published "from the future".
 */
import type { StreamDescriptorValue, StreamMessage } from '../../cardata/wire';
import { UNITS, type DescriptorName } from './descriptors';
import type { Rng } from './random';

export interface Update {
  name: DescriptorName;
  value: unknown;
  /** When the car measured it: the descriptor's own (second-precision) timestamp. */
  measuredMs: number;
  /** Updates sharing a group always travel in one message (latitude with heading). */
  group?: string;
}

export interface Queued {
  due: number;
  message: StreamMessage;
  updates: Update[];
}

const NONE: Queued[] = [];

let cachedSecond = NaN;
let cachedIso = '';
let cachedDay = NaN;
let dayPrefix = '';
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/**
 * ISO time to the second, as BMW stamps descriptors. Built from a cached day prefix because Date#toISOString was the
 * largest single cost of simulating 100 cars.
 */
export function isoSeconds(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second === cachedSecond) return cachedIso;
  const day = Math.floor(second / 86_400);
  if (day !== cachedDay) {
    cachedDay = day;
    dayPrefix = new Date(day * 86_400_000).toISOString().slice(0, 11);
  }
  const s = second - day * 86_400;
  cachedSecond = second;
  cachedIso = `${dayPrefix}${TWO_DIGITS[Math.floor(s / 3600)]}:${TWO_DIGITS[Math.floor(s / 60) % 60]}:${TWO_DIGITS[s % 60]}Z`;
  return cachedIso;
}

/** ISO time to the millisecond (message timestamps), built on the cached second. */
export function isoMillis(ms: number): string {
  const base = isoSeconds(ms);
  const millis = ms - Math.floor(ms / 1000) * 1000;
  return `${base.slice(0, -1)}.${String(millis).padStart(3, '0')}Z`;
}

export function descriptorValue(update: Update): StreamDescriptorValue {
  const unit = UNITS[update.name];
  const timestamp = isoSeconds(update.measuredMs);
  return unit ? { timestamp, value: update.value, unit } : { timestamp, value: update.value };
}

export class Outbox {
  private queue: Queued[] = [];

  constructor(
    private readonly vin: string,
    private readonly gcid: string,
    private readonly rng: Rng,
    private readonly bursts: boolean,
    private readonly repeats: boolean,
  ) {}

  get size(): number {
    return this.queue.length;
  }

  /** One upload of the car at `at`; `leading` messages go first, as they are (the stale fix of an arrival). */
  upload(updates: Update[], at: number, leading: Update[][] = []): void {
    if (updates.length === 0 && leading.length === 0) return;
    if (!this.bursts) {
      for (const m of leading) this.enqueue(at, m);
      if (updates.length > 0) this.enqueue(at, updates);
      return;
    }
    const units = groupUnits(updates);
    const messages: Update[][] = [...leading];
    let current: Update[] = [];
    let room = this.rng.int(1, 3);
    for (const unit of units) {
      if (current.length > 0 && current.length + unit.length > room) {
        messages.push(current);
        current = [];
        room = this.rng.int(1, 3);
      }
      current.push(...unit);
    }
    if (current.length > 0) messages.push(current);
    if (this.repeats && units.length > 1) {
      const wanted = this.rng.chance(0.1) ? this.rng.int(7, 10) : this.rng.int(3, 6);
      while (messages.length < wanted) {
        messages.splice(this.rng.int(leading.length + 1, messages.length), 0, this.rng.pick(units));
      }
    }
    const offsets = messages.map(() => this.rng.int(0, 899)).sort((a, b) => a - b);
    messages.forEach((m, i) => this.enqueue(at + offsets[i], m));
  }

  /** Messages due by `now`, oldest first, with the updates they carry. */
  take(now: number): Queued[] {
    if (this.queue.length === 0 || this.queue[0].due > now) return NONE;
    let n = 0;
    while (n < this.queue.length && this.queue[n].due <= now) n++;
    return this.queue.splice(0, n);
  }

  private enqueue(due: number, updates: Update[]): void {
    const data: Record<string, StreamDescriptorValue> = {};
    for (const u of updates) data[u.name] = descriptorValue(u);
    const message: StreamMessage = {
      vin: this.vin,
      entityId: this.gcid,
      topic: this.vin,
      timestamp: isoMillis(due),
      data,
    };
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1].due > due) i--;
    this.queue.splice(i, 0, { due, message, updates });
  }
}

function groupUnits(updates: Update[]): Update[][] {
  const units: Update[][] = [];
  const byGroup = new Map<string, Update[]>();
  for (const u of updates) {
    if (u.group === undefined) {
      units.push([u]);
      continue;
    }
    const unit = byGroup.get(u.group);
    if (unit) unit.push(u);
    else {
      const fresh = [u];
      byGroup.set(u.group, fresh);
      units.push(fresh);
    }
  }
  return units;
}
