/**
 * The load of the stream benchmark: BMW-shaped stream messages (protocol §6.4) as the simulated cars send them —
 * `vin`, `entityId`, `topic`, a millisecond `timestamp` and 1–4 descriptors, each with its own timestamp, value and
 * unit — over a few VINs and a realistic set of descriptors. Deterministic, so every client sees the same load.
 *
 * Each message carries its sequence number in its timestamps: `SEQ_EPOCH_MS + base + seq` as ISO time, on the
 * message and on every descriptor. The raw client reads it back from the message; our pipeline keeps the descriptor's
 * timestamp as the output message's `timestamp`, so both sides can match what they receive to what was published.
 */
import { D, UNITS } from '../sim/vehicle/descriptors';

/** 2026-01-01T00:00:00Z: sequence number 0 of base 0. */
export const SEQ_EPOCH_MS = Date.UTC(2026, 0, 1);

/** Seven more streamable descriptors from BMW's catalogue: with the simulator's 43, 50 distinct per car. */
const EXTRA: readonly [string, string | undefined][] = [
  ['vehicle.chassis.axle.row1.wheel.left.tire.pressure', 'kPa'],
  ['vehicle.chassis.axle.row1.wheel.right.tire.pressure', 'kPa'],
  ['vehicle.chassis.axle.row2.wheel.left.tire.pressure', 'kPa'],
  ['vehicle.chassis.axle.row2.wheel.right.tire.pressure', 'kPa'],
  ['vehicle.body.lights.isRunningOn', undefined],
  ['vehicle.cabin.window.row1.driver.status', undefined],
  ['vehicle.cabin.window.row1.passenger.status', undefined],
];

interface DescriptorSpec {
  name: string;
  unit?: string;
  kind: 'number' | 'boolean' | 'asn' | 'enum';
}

function kindOf(name: string, unit: string | undefined): DescriptorSpec['kind'] {
  if (unit) return 'number';
  if (name === D.isMoving || name.includes('.isRunningOn')) return 'asn';
  if (/\.is[A-Z]/.test(name)) return 'boolean';
  return 'enum';
}

/** The 50 descriptors every benchmark car cycles through. */
export const BENCH_DESCRIPTORS: readonly DescriptorSpec[] = [
  ...Object.values(D).map((name) => ({ name, unit: UNITS[name] })),
  ...EXTRA.map(([name, unit]) => ({ name, unit })),
].map(({ name, unit }) => ({ name, ...(unit ? { unit } : {}), kind: kindOf(name, unit) }));

const ENUMS = ['LOCKED', 'UNLOCKED', 'CHARGINGACTIVE', 'NOCHARGING', 'CLOSED', 'AC_TYPE2PLUG', '-NA-'];

/** `count` valid, distinct VINs (17 characters, no I/O/Q) starting at `offset`. */
export function benchVins(count: number, offset = 0): string[] {
  return Array.from({ length: count }, (_, i) => `WBYBENCH${String(offset + i).padStart(9, '0')}`);
}

/** 1–4 descriptors per message (mean 2.5), spread by a hash of the sequence number rather than a fixed cycle. */
export function descriptorCount(seq: number): number {
  return ((Math.imul(seq + 1, 2654435761) >>> 16) % 4) + 1;
}

function valueOf(spec: DescriptorSpec, seq: number): unknown {
  switch (spec.kind) {
    case 'number':
      return spec.unit === 'degrees' ? 48.1 + (seq % 1000) / 1e6 : (seq * 7) % 1000;
    case 'boolean':
      return seq % 2 === 0;
    case 'asn':
      return seq % 2 === 0 ? 'ASN_isTrue' : 'ASN_isFalse';
    case 'enum':
      return ENUMS[seq % ENUMS.length];
  }
}

export interface LoadPlan {
  /** Keeps the sequence numbers of different bursts apart: timestamps are `SEQ_EPOCH_MS + base + seq`. */
  base: number;
  count: number;
  vins: readonly string[];
  gcid: string;
}

export interface LoadMessage {
  seq: number;
  vin: string;
  payload: string;
  descriptors: number;
}

/**
 * The messages of a plan in order. VINs take turns; every VIN walks the descriptor list in order, so once it has
 * sent 50 descriptors it has sent each one exactly once.
 */
export class LoadCursor {
  private seq = 0;
  private readonly walked: number[];

  constructor(private readonly plan: LoadPlan) {
    this.walked = new Array<number>(plan.vins.length).fill(0);
  }

  get done(): boolean {
    return this.seq >= this.plan.count;
  }

  next(): LoadMessage {
    if (this.done) throw new Error('the load plan is exhausted');
    const seq = this.seq++;
    const v = seq % this.plan.vins.length;
    const vin = this.plan.vins[v];
    const count = descriptorCount(seq);
    const timestamp = new Date(SEQ_EPOCH_MS + this.plan.base + seq).toISOString();
    const data: Record<string, { timestamp: string; value: unknown; unit?: string }> = {};
    for (let i = 0; i < count; i++) {
      const spec = BENCH_DESCRIPTORS[(this.walked[v] + i) % BENCH_DESCRIPTORS.length];
      data[spec.name] = spec.unit
        ? { timestamp, value: valueOf(spec, seq), unit: spec.unit }
        : { timestamp, value: valueOf(spec, seq) };
    }
    this.walked[v] += count;
    const payload = JSON.stringify({ vin, entityId: this.plan.gcid, topic: vin, timestamp, data });
    return { seq, vin, payload, descriptors: count };
  }
}

/** Messages needed so that every VIN of a round robin has sent at least `descriptors` descriptors. */
export function messagesToCover(vins: number, descriptors: number): number {
  const walked = new Array<number>(vins).fill(0);
  let seq = 0;
  // Bounded: every message adds at least one descriptor to one VIN.
  while (walked.some((w) => w < descriptors) && seq < vins * descriptors) {
    walked[seq % vins] += descriptorCount(seq);
    seq++;
  }
  return seq;
}

/** The descriptors of every message of a plan, for the receiver's "fully processed" bookkeeping. */
export function descriptorCounts(plan: LoadPlan): Uint8Array {
  const counts = new Uint8Array(plan.count);
  for (let seq = 0; seq < plan.count; seq++) counts[seq] = descriptorCount(seq);
  return counts;
}

/** Sequence number of a timestamp this load wrote, or -1 when it is not one of the plan's. */
export function seqOf(timestamp: unknown, base: number, count: number): number {
  if (typeof timestamp !== 'string') return -1;
  const seq = Date.parse(timestamp) - SEQ_EPOCH_MS - base;
  return Number.isInteger(seq) && seq >= 0 && seq < count ? seq : -1;
}
