/**
 * BMW's side of one car: turns the model's true state and events into the uploads the car makes and the stream
 * messages BMW publishes (protocol §6.4–§6.5, §9.25–26), and keeps `reported`, the last value BMW's backend holds
 * per descriptor, which is what REST telematicData returns.
 *
 * Cadence with realistic quirks: silence while parked (a small upload every 4–8 h); an upload at every state change
 * (doors, drive-away, trip end, plug, charge start/end); GPS every 2–3 min while driving; charging power in 2–3 min
 * bursts then 50–60 min of silence; SOC while charging only every few points. Each quirk can be switched off
 * (quirks.ts). `reported` is BMW's backend view for REST (backend.ts).
 */
import type { StreamDescriptorValue, StreamMessage } from '../../cardata/wire';
import { D, type DescriptorName } from './descriptors';
import type { ChargeKind } from './charging';
import type { ChargeEndReason, DoorState, VehicleEvent, VehicleModel } from './model';
import { Outbox, type Update } from './outbox';
import type { ReporterQuirks } from './quirks';
import { Rng } from './random';
import { Backend } from './backend';
import {
  capacityEntries,
  chargingMethod,
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
import type { Fix } from './route';

interface Later {
  at: number;
  tag?: 'externalStop' | 'phaseReset';
  backendOnly?: boolean;
  make: (at: number) => Entry[];
}

export interface ReporterOptions {
  vin: string;
  gcid: string;
  seed: number;
  quirks: ReporterQuirks;
  startMs: number;
}

const NO_MESSAGES: StreamMessage[] = [];
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export class Reporter {
  readonly quirks: ReporterQuirks;
  private readonly rng: Rng;
  private readonly outbox: Outbox;
  private readonly pending = new Map<DescriptorName, Update>();
  private uploadAt = Infinity;
  private later: Later[] = [];
  /** Messages that open the next upload, ahead of the pending values (the stale arrival fix). */
  private leading: Update[][] = [];
  private nextGpsAt = Infinity;
  private nextPowerAt = Infinity;
  private powerWindowEnd = Infinity;
  private nextParkedAt: number;
  private readonly backend: Backend;
  private syncDue = false;
  private lastSocStreamed = -1;
  private fixes: { previous?: Fix & { at: number }; current?: Fix & { at: number } } = {};
  private lastDoors: DoorState;

  constructor(
    private readonly model: VehicleModel,
    options: ReporterOptions,
  ) {
    this.quirks = options.quirks;
    this.rng = new Rng(options.seed);
    this.outbox = new Outbox(options.vin, options.gcid, this.rng, this.quirks.bursts, this.quirks.repeats);
    this.lastDoors = { ...model.doors };
    this.nextParkedAt = options.startMs + this.rng.range(1, 8) * HOUR;
    this.backend = new Backend(model, options.quirks.socQuantisation);
    this.backend.snapshot(options.startMs - 10 * MINUTE);
  }

  private get telemetry() {
    return this.model.profile.telemetry;
  }

  /** Process what happened up to `now`; returns the messages BMW publishes by `now`, oldest first. */
  observe(now: number): StreamMessage[] {
    for (const event of this.model.drainEvents()) this.onEvent(event);
    if (this.model.driving) this.whileDriving(now);
    else if (this.model.charging) this.whileCharging(now);
    else if (!this.model.plug && this.quirks.parkedUploads && now >= this.nextParkedAt) this.parkedUpload(now);
    if (this.later.length > 0 && this.later[0].at <= now) this.runLater(now);
    if (this.syncDue) {
      this.backend.sync(now);
      this.syncDue = false;
    }
    if (now >= this.uploadAt) this.flushPending(now);
    const due = this.outbox.take(now);
    if (due.length === 0) return NO_MESSAGES;
    for (const { message, updates } of due) {
      for (const u of updates) this.backend.set(u.name, message.data[u.name], u.measuredMs);
    }
    return due.map((q) => q.message);
  }

  /** What REST telematicData returns (see Backend). */
  get reported(): ReadonlyMap<string, StreamDescriptorValue> {
    return this.backend.view();
  }

  private onEvent(e: VehicleEvent): void {
    this.syncDue = true;
    const m = this.measured(e.at);
    switch (e.type) {
      case 'doors':
        this.putDoors(m);
        this.request(this.after(e.at, 2000, 10_000));
        break;
      case 'tripStart':
        this.nextParkedAt = Infinity;
        break;
      case 'driveAway':
        this.putMoving(true, m);
        this.put(D.odometer, odometerValue(this.model), m);
        if (this.telemetry.socDescriptor === 'header') this.putSoc(m);
        this.putPosition(e.at, this.model.position);
        this.request(this.after(e.at, 1000, 5000));
        this.nextGpsAt = e.at + this.gpsInterval();
        break;
      case 'tripEnd':
        this.onTripEnd(e.at, m);
        break;
      case 'plugIn':
        this.putEntries(m, [
          [D.portStatus, 'CONNECTED'],
          [D.isPlugged, true],
          [D.flapOpen, true],
          [D.plugEventId, this.model.plugEventId],
          [D.connectorStatus, 'CONNECTED'],
          [D.targetSoc, this.model.targetSoc],
          [D.method, chargingMethod(this.model)],
          [D.chargingStatus, 'INITIALIZATION'],
          [D.hvStatus, 'WAITING_FOR_CHARGING'],
        ]);
        if (e.kind === 'AC') this.put(D.acLimit, this.model.profile.ac.currentMaxA, m);
        this.request(this.after(e.at, 2000, 8000));
        this.nextParkedAt = Infinity;
        break;
      case 'chargeActive':
        this.onChargeActive(e.at, m, e.resumed);
        break;
      case 'chargeEnd':
        this.onChargeEnd(e.at, m, e.kind, e.reason, e.afterWallboxStop);
        break;
      case 'wallboxStop':
        this.onWallboxStop(e.at, e.kind);
        break;
      case 'unplug':
        this.putEntries(m, [
          [D.portStatus, 'DISCONNECTED'],
          [D.isPlugged, false],
          [D.connectorStatus, 'DISCONNECTED'],
          [D.chargingStatus, 'NOCHARGING'],
          [D.hvStatus, 'NOT_CHARGING'],
          [D.method, 'NOCHARGING'],
        ]);
        this.request(this.after(e.at, 1000, 5000));
        this.addLater({ at: e.at + this.rng.range(10_000, 60_000), make: () => [[D.flapOpen, false]] });
        this.nextParkedAt = e.at + this.rng.range(4, 8) * HOUR;
        break;
      case 'socSet':
        this.putSoc(m);
        this.putEntries(m, rangeEntries(this.model));
        this.request(this.after(e.at, 2000, 2000));
        break;
      case 'refuel':
        this.putEntries(m, rangeEntries(this.model));
        this.request(this.after(e.at, 5000, 5000));
        break;
    }
  }

  private onTripEnd(at: number, m: number): void {
    const stale = this.fixes.previous;
    if (this.quirks.staleFirstFix && stale && this.rng.chance(0.6)) {
      // BMW's first fix of the arrival burst is often one from while the car was still moving (§6.5).
      const [lat, heading, lon] = this.fixUpdates(stale, stale.at);
      this.leading = this.quirks.splitLatLon ? [[lat, heading], [lon]] : [[lat, heading, lon]];
    }
    this.fixes = {};
    this.putMoving(false, m);
    this.putPosition(at, this.model.position);
    this.put(D.odometer, odometerValue(this.model), m);
    this.put(D.tripEndOdometer, odometerValue(this.model), m);
    if (this.telemetry.socDescriptor === 'header')
      this.put(D.tripEndSoc, socInteger(this.model, this.quirks.socQuantisation), m);
    this.putSoc(m);
    this.putEntries(m, rangeEntries(this.model));
    if (this.rng.chance(this.quirks.capacityProbability)) this.putEntries(m, capacityEntries(this.model));
    this.request(this.after(at, 1000, 4000));
    this.nextGpsAt = Infinity;
    this.nextParkedAt = at + this.rng.range(4, 8) * HOUR;
  }

  private onChargeActive(at: number, m: number, resumed: boolean): void {
    this.cancelLater('externalStop');
    this.putEntries(m, [
      [D.chargingStatus, 'CHARGINGACTIVE'],
      [D.hvStatus, 'CHARGING'],
      [D.portStatus, 'CONNECTED'],
    ]);
    if (this.quirks.socStepWhileCharging > 0) this.putSoc(m);
    if (!resumed && this.rng.chance(this.quirks.capacityProbability)) {
      this.putEntries(m, capacityEntries(this.model));
    }
    this.request(this.after(at, 1000, 4000));
    if (this.telemetry.reportsPower) {
      this.nextPowerAt = at + this.rng.range(3000, 12_000);
      this.powerWindowEnd = this.quirks.powerBursts ? at + this.rng.range(120_000, 180_000) : Infinity;
    }
  }

  private onChargeEnd(
    at: number,
    m: number,
    kind: ChargeKind,
    reason: ChargeEndReason,
    afterWallboxStop: boolean,
  ): void {
    this.cancelLater('externalStop');
    this.nextPowerAt = Infinity;
    this.powerWindowEnd = Infinity;
    const endReason =
      reason === 'target'
        ? this.model.targetSoc >= 100
          ? 'HV_BATTERY_FULLY_CHARGED'
          : 'CUSTOMER_INTERACTION_HMI_CHARGING_TARGET_REACHED'
        : afterWallboxStop
          ? externalStopReason(kind)
          : 'CUSTOMER_INTERACTION_HMI_UNPLUG_CABLE_ONCE';
    const entries: Entry[] = [
      [D.chargingStatus, 'CHARGINGENDED'],
      [D.hvStatus, reason === 'target' ? 'FINISHED_FULLY_CHARGED' : 'FINISHED_NOT_FULL'],
      [D.reasonChargingEnd, endReason],
      [D.lastChargingResult, 'SUCCESS'],
      [D.timeRemaining, 0],
      [socDescriptor(this.telemetry), socInteger(this.model, this.quirks.socQuantisation)],
    ];
    if (this.telemetry.reportsPower) entries.push([D.power, 0]);
    if (reason === 'target') entries.push([D.portStatus, 'CONNECTED']);
    // BMW sometimes never streams the end of a charge; REST shows it (§6.5, the integration's charge-finish poll).
    const hidden = reason === 'target' && this.rng.chance(this.quirks.chargeEndNotStreamedProbability);
    if (hidden) this.backend.setEntries(entries, m);
    else {
      this.putEntries(m, entries);
      this.lastSocStreamed = socInteger(this.model, this.quirks.socQuantisation);
      this.request(this.after(at, 1000, 5000));
    }
    if (this.quirks.phaseResetAfterCharge && this.telemetry.reportsPower && kind === 'AC') {
      this.addLater({
        at: at + this.rng.range(30_000, 120_000),
        tag: 'phaseReset',
        backendOnly: hidden,
        make: () => [[D.phaseNumber, '1-PHASES']],
      });
    }
  }

  /** The car does not notice an external stop at once: status and power stay stale on stream and REST (§4.6). */
  private onWallboxStop(at: number, kind: ChargeKind): void {
    this.nextPowerAt = Infinity;
    const [min, max] = this.quirks.externalStopLagS;
    this.addLater({
      at: at + this.rng.range(min, max) * 1000,
      tag: 'externalStop',
      make: () => {
        const entries: Entry[] = [
          [D.chargingStatus, 'CHARGINGPAUSED'],
          [D.hvStatus, 'WAITING_FOR_CHARGING'],
          [D.reasonChargingEnd, externalStopReason(kind)],
        ];
        if (this.telemetry.reportsPower) entries.push([D.power, 0]);
        return entries;
      },
    });
  }

  private whileDriving(now: number): void {
    const current = this.fixes.current;
    if (!current || now - current.at >= 15_000) {
      this.fixes = { previous: current, current: { ...this.model.position, at: now } };
    }
    if (now < this.nextGpsAt) return;
    const m = this.measured(now);
    this.putPosition(now, this.model.position);
    this.put(D.odometer, odometerValue(this.model), m);
    if (this.telemetry.socDescriptor === 'header') {
      const soc = socInteger(this.model, this.quirks.socQuantisation);
      if (soc !== this.lastSocStreamed || (this.quirks.repeats && this.rng.chance(0.3))) this.putSoc(m);
    }
    if (!this.quirks.repeats || this.rng.chance(0.5)) this.putMoving(true, m);
    if (this.rng.chance(0.5)) this.putEntries(m, rangeEntries(this.model));
    this.request(now);
    this.nextGpsAt = now + this.gpsInterval();
  }

  private whileCharging(now: number): void {
    if (now >= this.nextPowerAt) {
      this.powerReading(now);
      const next = now + this.quirks.powerIntervalS * 1000 * (this.quirks.powerBursts ? this.rng.range(0.8, 1.2) : 1);
      if (next <= this.powerWindowEnd) this.nextPowerAt = next;
      else {
        this.nextPowerAt = this.powerWindowEnd + this.rng.range(50, 60) * MINUTE;
        this.powerWindowEnd = this.nextPowerAt + this.rng.range(120_000, 180_000);
      }
    }
    const step = this.quirks.socStepWhileCharging;
    if (step > 0 && Math.abs(socInteger(this.model, this.quirks.socQuantisation) - this.lastSocStreamed) >= step) {
      const m = this.measured(now);
      this.putSoc(m);
      this.putEntries(m, rangeEntries(this.model));
      this.request(now);
    }
  }

  private powerReading(now: number): void {
    const m = this.measured(now);
    const i = this.model.instant;
    this.put(D.power, Math.round(i.gridKw * 1000), m);
    this.put(D.auxPower, round(i.auxKw, 2), m);
    if (this.model.plug?.kind === 'AC') {
      this.put(D.acVoltage, round(i.voltageV, 1), m);
      this.put(D.acAmpere, Math.round(i.currentA), m);
      const phases = `${i.phases}-PHASES`;
      if (this.quirks.latePhaseNumber && this.rng.chance(0.5)) {
        // phaseNumber may arrive after voltage and current (§6.5).
        this.addLater({ at: now + this.rng.range(1000, 5000), make: () => [[D.phaseNumber, phases]] });
      } else this.put(D.phaseNumber, phases, m);
    }
    this.put(D.timeRemaining, minutesRemaining(this.model, this.model.targetSoc), m);
    this.request(now);
  }

  private parkedUpload(now: number): void {
    const m = this.measured(now);
    this.putSoc(m);
    this.put(D.odometer, odometerValue(this.model), m);
    this.put(D.doorStatus, this.model.doors.central, m);
    this.request(now);
    this.nextParkedAt = now + this.rng.range(4, 8) * HOUR;
  }

  private putPosition(at: number, fix: Fix): void {
    const m = this.measured(at);
    if (!this.quirks.splitLatLon) {
      for (const u of this.fixUpdates(fix, m)) this.pending.set(u.name, u);
      return;
    }
    const [lat, heading, lon] = this.fixUpdates(fix, m);
    const r = this.rng.next();
    if (r < 0.08) {
      this.pending.set(lon.name, lon); // latitude and heading of this fix never come
      return;
    }
    this.pending.set(lat.name, lat);
    this.pending.set(heading.name, heading);
    if (r < 0.16) return; // longitude never comes
    // Longitude in its own message seconds later, measured then (a bridge saw 20.8 s between the two, §6.5).
    this.addLater({
      at: at + this.rng.range(2000, 25_000),
      make: () => [[D.longitude, round(this.model.position.longitude, 6)]],
    });
  }

  private fixUpdates(fix: Fix, measuredMs: number): Update[] {
    return [
      { name: D.latitude, value: round(fix.latitude, 6), measuredMs, group: 'gps' },
      { name: D.heading, value: Math.round(fix.headingDeg) % 360, measuredMs, group: 'gps' },
      {
        name: D.longitude,
        value: round(fix.longitude, 6),
        measuredMs,
        group: this.quirks.splitLatLon ? undefined : 'gps',
      },
    ];
  }

  private putSoc(m: number): void {
    const soc = socInteger(this.model, this.quirks.socQuantisation);
    this.put(socDescriptor(this.telemetry), soc, m);
    this.lastSocStreamed = soc;
  }

  private putMoving(moving: boolean, m: number): void {
    if (this.telemetry.isMoving !== 'absent') this.put(D.isMoving, movingValue(this.telemetry, moving), m);
  }

  private putDoors(m: number): void {
    const before = doorEntries(this.lastDoors);
    const after = doorEntries(this.model.doors);
    after.forEach((entry, i) => {
      if (entry[1] !== before[i][1]) this.put(entry[0], entry[1], m);
    });
    this.lastDoors = { ...this.model.doors };
  }

  private put(name: DescriptorName, value: unknown, measuredMs: number, group?: string): void {
    this.pending.set(name, { name, value, measuredMs, group });
  }

  private putEntries(measuredMs: number, entries: Entry[]): void {
    for (const [name, value] of entries) this.put(name, value, measuredMs);
  }

  private request(at: number): void {
    this.uploadAt = Math.min(this.uploadAt, at);
  }

  private flushPending(now: number): void {
    const updates = [...this.pending.values()];
    this.pending.clear();
    this.uploadAt = Infinity;
    this.outbox.upload(updates, now, this.leading);
    this.leading = [];
  }

  /** The car uploads a few seconds after a change; a clean reporter at once. */
  private after(at: number, minMs: number, maxMs: number): number {
    return this.quirks.staleTimestamps ? at + this.rng.range(minMs, maxMs) : at;
  }

  private measured(at: number): number {
    return this.quirks.staleTimestamps ? at - this.rng.int(0, 3000) : at;
  }

  private gpsInterval(): number {
    const [min, max] = this.quirks.gpsIntervalS;
    return this.rng.range(min, max) * 1000;
  }

  private addLater(entry: Later): void {
    let i = this.later.length;
    while (i > 0 && this.later[i - 1].at > entry.at) i--;
    this.later.splice(i, 0, entry);
  }

  private cancelLater(tag: Later['tag']): void {
    this.later = this.later.filter((l) => l.tag !== tag);
  }

  private runLater(now: number): void {
    while (this.later.length > 0 && this.later[0].at <= now) {
      const entry = this.later.shift()!;
      const m = this.measured(entry.at);
      if (entry.backendOnly) this.backend.setEntries(entry.make(entry.at), m);
      else {
        this.putEntries(m, entry.make(entry.at));
        this.request(now);
      }
    }
  }
}

function externalStopReason(kind: ChargeKind): string {
  return kind === 'DC' ? 'INFRASTRUCTURE_DC_CCS_EVSE_SHUTDOWN' : 'CUSTOMER_INTERACTION_AC_CHARGING_STOP_WALLBOX';
}
