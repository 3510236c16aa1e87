/**
 * BMW's backend view of one car: the last value it holds per descriptor, which REST telematicData returns. It
 * learns what the stream carries (the newest measurement wins, so a late repeat never rolls a value back) and what
 * the car uploads without it being streamed: while the car drives or charges, SOC, BMW's own charging prediction
 * (charging.level, never streamed), time remaining, ranges and odometer are current; charging status and power are
 * only as fresh as the stream made them, so an external stop or an unstreamed charge end looks the same on REST.
 */
import type { StreamDescriptorValue } from '../../cardata/wire';
import { D } from './descriptors';
import type { VehicleModel } from './model';
import type { SocQuantisation } from './quirks';
import { descriptorValue } from './outbox';
import {
  capacityEntries,
  chargingLevel,
  doorEntries,
  minutesRemaining,
  movingValue,
  odometerValue,
  rangeEntries,
  round,
  socDescriptor,
  socInteger,
  type Entry,
} from './report-values';

export class Backend {
  private readonly values = new Map<string, StreamDescriptorValue>();
  private readonly measuredAt = new Map<string, number>();
  private lastSyncAt = -Infinity;

  constructor(
    private readonly model: VehicleModel,
    private readonly socQuantisation: SocQuantisation = 'round',
  ) {}

  /** The REST view; refreshed first while the car is active, as it uploads more often than the stream forwards. */
  view(): ReadonlyMap<string, StreamDescriptorValue> {
    const t = this.model.time;
    if (t !== undefined && t > this.lastSyncAt && (this.model.driving || this.model.charging)) this.sync(t);
    return this.values;
  }

  set(name: string, value: StreamDescriptorValue, measuredMs: number): void {
    if ((this.measuredAt.get(name) ?? -Infinity) > measuredMs) return;
    this.values.set(name, value);
    this.measuredAt.set(name, measuredMs);
  }

  setEntries(entries: Entry[], measuredMs: number): void {
    for (const [name, value] of entries) this.set(name, descriptorValue({ name, value, measuredMs }), measuredMs);
  }

  /** The part the car keeps current whether or not it is streamed. */
  sync(now: number): void {
    const model = this.model;
    const telemetry = model.profile.telemetry;
    const entries: Entry[] = [
      [socDescriptor(telemetry), socInteger(model, this.socQuantisation)],
      [D.odometer, odometerValue(model)],
      ...rangeEntries(model),
    ];
    if (model.charging) {
      if (telemetry.socDescriptor === 'header') entries.push([D.chargingLevel, chargingLevel(model)]);
      entries.push(
        [D.timeRemaining, minutesRemaining(model, model.targetSoc)],
        [D.timeToFullyCharged, minutesRemaining(model, 100)],
      );
    }
    this.setEntries(entries, now);
    this.lastSyncAt = now;
  }

  /** What BMW holds before the simulation starts: a parked, unplugged car, last heard of at `at`. */
  snapshot(at: number): void {
    const model = this.model;
    const telemetry = model.profile.telemetry;
    const entries: Entry[] = [
      [socDescriptor(telemetry), socInteger(model, this.socQuantisation)],
      [D.odometer, odometerValue(model)],
      [D.latitude, round(model.position.latitude, 6)],
      [D.longitude, round(model.position.longitude, 6)],
      [D.heading, Math.round(model.position.headingDeg) % 360],
      ...doorEntries(model.doors),
      [D.chargingStatus, 'NOCHARGING'],
      [D.hvStatus, 'NOT_CHARGING'],
      [D.method, 'NOCHARGING'],
      [D.lastChargingResult, 'SUCCESS'],
      [D.portStatus, 'DISCONNECTED'],
      [D.isPlugged, false],
      [D.flapOpen, false],
      [D.connectorStatus, 'DISCONNECTED'],
      [D.plugEventId, model.plugEventId],
      [D.targetSoc, model.targetSoc],
      [D.acLimit, model.profile.ac.currentMaxA],
      ...capacityEntries(model),
      ...rangeEntries(model),
    ];
    if (telemetry.isMoving !== 'absent') entries.push([D.isMoving, movingValue(telemetry, false)]);
    if (telemetry.reportsPower) entries.push([D.phaseNumber, '1-PHASES'], [D.power, 0]);
    this.setEntries(entries, at);
  }
}
