/**
 * The driving prediction of one VIN as the engine set sees it (DESIGN.md §6, node `magic-soc`): the motion tracker
 * finds the trips, the driving engine predicts and learns over them, and while the car charges magic SOC is the
 * charging prediction. The tracker's own outputs (location, motion, trip) are vehicle-stream's derived metrics.
 */
import type { ChargingSlot } from './charging-slot';
import { DrivingEngine, learningRate, type DrivingEvent, type DrivingPrediction } from './driving';
import { consumptionToJSON } from './driving/consumption';
import { ODO } from './motion/descriptors';
import { MotionTracker, type MotionOutput } from './motion';
import {
  roundForDisplay,
  type Attributes,
  type EngineSlot,
  type ResetTarget,
  type VehicleOptions,
  type VehicleOutput,
} from './engine-slot';
import type { Reading } from './readings';
import { isRecord } from './json';

export interface DrivingSlotSnapshot {
  engine: unknown;
  tracker: unknown;
}

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;

/** "12min" up to an hour, then "1.5h" (the reference's `soc_data_age`). */
function age(ms: number): string {
  const minutes = Math.max(0, ms) / 60_000;
  return minutes <= 60 ? `${Math.round(minutes)}min` : `${round(minutes / 60, 1)}h`;
}

export class DrivingSlot implements EngineSlot {
  readonly engine = 'driving' as const;
  readonly clockAttributes = ['soc_data_age'] as const;
  readonly runningAttributes = ['raw', 'driving_distance_km', 'avg_speed_kmh', 'extrapolated_km'] as const;
  readonly driving: DrivingEngine;
  readonly tracker: MotionTracker;
  /** The tracker's trip and its GPS metres last seen, to hand the engine only the new steps. */
  private gps: { startedAt: number; metres: number } | null = null;
  /** When the tracker's last fix was taken: a new one is a fix since the driving engine's anchor. */
  private lastFixAt: number | null = null;
  /** A restored trip is checked for age at the first call, when the time is known. */
  private restored: boolean;

  constructor(
    private readonly vin: string,
    options: VehicleOptions,
    private readonly charging: ChargingSlot,
    snapshot?: unknown,
  ) {
    const saved = isRecord(snapshot) ? snapshot : {};
    this.tracker = new MotionTracker(saved.tracker ?? undefined);
    this.driving = new DrivingEngine(options, saved.engine ?? undefined);
    this.restored = saved.engine !== undefined;
    const trip = this.tracker.state.trip;
    if (trip) this.gps = { startedAt: trip.startedAt, metres: trip.gpsDistanceM };
    // The fix the tracker already had is not a new one after a restart.
    this.lastFixAt = this.tracker.state.lastFix?.measuredAt ?? null;
  }

  ingest(readings: readonly Reading[], now: number): VehicleOutput[] {
    this.afterRestore(now);
    const fresh = this.driving.observe(readings, now);
    const motion = this.tracker.ingest(readings, now);
    const odometer = readings.find((r) => r.descriptor === ODO);
    this.syncPosition(odometer?.measuredAt ?? now);
    const out = this.follow(motion, now);
    const started = motion.some((m) => m.metric === 'trip' && m.payload === 'started');
    if (fresh && !started) this.driving.reanchor(fresh.value, fresh.at);
    out.push(...this.anchorIfMoving(now));
    out.push(...this.events(this.driving.settle(now, this.isCharging)));
    return out;
  }

  heartbeat(now: number): VehicleOutput[] {
    this.afterRestore(now);
    const out = this.follow(this.tracker.check(now), now);
    out.push(...this.anchorIfMoving(now));
    out.push(...this.events(this.driving.tick(now, this.isCharging)));
    return out;
  }

  /** A Traccar reading (km/h, or null: no usable position). */
  speed(kmh: number | null, now: number): void {
    this.driving.speed(kmh, now);
  }

  prediction(now: number): VehicleOutput | null {
    this.afterRestore(now);
    if (this.phev) return null;
    const charging = this.isCharging ? this.charging.evaluate(now) : null;
    const p = this.driving.evaluate(now, charging?.charging ? { soc: charging.soc } : null);
    return p ? this.record(p, now) : null;
  }

  reset(what: ResetTarget): boolean {
    return what === 'consumption' ? this.driving.reset() : false;
  }

  configure(options: VehicleOptions): void {
    this.driving.setOptions(options);
  }

  snapshot(): DrivingSlotSnapshot {
    return { engine: this.driving.snapshot(), tracker: this.tracker.snapshot() };
  }

  private afterRestore(now: number): void {
    if (!this.restored) return;
    this.restored = false;
    this.driving.dropOldTrip(now);
  }

  private get phev(): boolean {
    return this.charging.charging.powertrain === 'PHEV';
  }

  private get isCharging(): boolean {
    return this.charging.charging.charging;
  }

  /** Hand the engine the odometer and the GPS steps the tracker counted since the last call. */
  private syncPosition(movedAt: number): void {
    const s = this.tracker.state;
    const fixAt = s.lastFix?.measuredAt ?? null;
    const fix = fixAt !== null && fixAt !== this.lastFixAt;
    this.lastFixAt = fixAt;
    const trip = s.trip;
    let step = 0;
    if (trip) {
      const previous = this.gps && this.gps.startedAt === trip.startedAt ? this.gps.metres : 0;
      step = Math.max(0, trip.gpsDistanceM - previous) / 1000;
      this.gps = { startedAt: trip.startedAt, metres: trip.gpsDistanceM };
    } else {
      this.gps = null;
    }
    this.driving.position(s.odometerKm, { stepKm: step, fix }, movedAt);
  }

  /** Trips from the tracker start and end the driving session; every tracker output is passed on. */
  private follow(motion: readonly MotionOutput[], now: number): VehicleOutput[] {
    const out: VehicleOutput[] = [];
    for (const m of motion) {
      out.push({
        engine: 'motion',
        kind: 'metric',
        vin: this.vin,
        topic: `${this.vin}/${m.metric}`,
        payload: m.payload as VehicleOutput['payload'],
        attributes: { ...m.attributes, measured_at: new Date(m.at).toISOString() },
      });
      if (m.metric !== 'trip') continue;
      if (m.payload === 'started') {
        const startKm = typeof m.attributes.odometer_km === 'number' ? m.attributes.odometer_km : null;
        if (!this.phev && !this.isCharging) out.push(...this.events(this.driving.startTrip(startKm, now).events));
        out.push(this.event('trip_started', { ...m.attributes, anchored: this.driving.session !== null }));
      } else {
        this.driving.endTrip(now);
        out.push(this.event('trip_ended', { ...m.attributes }));
      }
    }
    return out;
  }

  /** A trip whose start had no basis (no SOC or odometer yet) is anchored once there is one (§6.3). */
  private anchorIfMoving(now: number): VehicleOutput[] {
    if (this.tracker.moving !== true || this.driving.session || this.phev || this.isCharging) return [];
    const start = this.tracker.state.trip?.startOdometerKm ?? null;
    return this.events(this.driving.startTrip(start, now).events);
  }

  private record(p: DrivingPrediction, now: number): VehicleOutput {
    const engine = this.driving;
    const learned = engine.learned;
    const session = engine.session;
    const bmw = engine.bmwSoc;
    const attributes: Attributes = {
      raw: p.soc,
      driving: p.driving,
      prediction_mode: p.mode,
      consumption_kwh_per_km: p.consumption === null ? null : round(p.consumption, 4),
      speed_bracket: p.speedBracket,
      default_consumption_kwh_km: engine.defaults.consumptionKwhPerKm,
      bmw_soc: bmw?.value ?? null,
      soc_data_age: bmw ? age(now - bmw.at) : null,
    };
    if (learned && learned.tripCount > 0) {
      attributes.learned_consumption_kwh_km = round(learned.kwhPerKm, 3);
      attributes.trip_count = learned.tripCount;
      attributes.learning_rate = round(learningRate(learned.tripCount), 2);
      const month = learned.monthly[String(new Date(now).getUTCMonth() + 1)];
      if (month && month.tripCount > 0) {
        attributes.monthly_consumption_kwh_km = round(month.kwhPerKm, 3);
        attributes.monthly_trip_count = month.tripCount;
      }
      const buckets = consumptionToJSON(learned).speed_buckets as Record<string, Attributes>;
      const withTrips = Object.entries(buckets).filter(([, b]) => (b.trip_count as number) > 0);
      if (withTrips.length > 0) {
        attributes.speed_bucket_consumption = Object.fromEntries(
          withTrips.map(([name, b]) => [
            name,
            { kwh_per_km: round(b.kwh_per_km as number, 3), trip_count: b.trip_count },
          ]),
        );
      }
    }
    const speed = engine.currentSpeed(now);
    if (speed !== null) attributes.traccar_speed_kmh = round(speed, 1);
    if (session) {
      const distance = engine.kmSinceAnchor();
      if (session.gpsKm > 0) attributes.driving_distance_km = round(session.gpsKm, 1);
      const travelled =
        session.odometerKm !== null && session.tripStartOdometerKm !== null
          ? session.odometerKm - session.tripStartOdometerKm
          : 0;
      const hours = (now - session.createdAt) / 3_600_000;
      if (travelled > 0 && hours > 0) attributes.avg_speed_kmh = Math.round(travelled / hours);
      attributes.anchor_soc = session.anchorSoc;
      attributes.km_since_anchor = distance === null ? null : round(distance, 2);
      const extrapolated = engine.extrapolatedKm(now);
      if (extrapolated > 0) attributes.extrapolated_km = round(extrapolated, 2);
    }
    return {
      engine: this.engine,
      kind: 'prediction',
      vin: this.vin,
      topic: `${this.vin}/magic_soc`,
      payload: roundForDisplay(p.soc),
      attributes,
    };
  }

  private event(name: string, attributes: Attributes): VehicleOutput {
    return { engine: this.engine, kind: 'event', vin: this.vin, topic: `${this.vin}/event`, payload: name, attributes };
  }

  private events(events: readonly DrivingEvent[]): VehicleOutput[] {
    return events.flatMap((e): VehicleOutput[] => {
      if (e.type === 'learning_rejected') {
        return [
          this.event('learning_rejected', {
            reason: e.reason,
            kind: 'consumption',
            distance_km: e.distanceKm === null ? null : round(e.distanceKm, 2),
            soc_drop: e.drop,
          }),
        ];
      }
      return e.updates.map((u) =>
        this.event('learning_updated', {
          kind: 'consumption',
          bracket: u.bracket,
          consumption_kwh_per_km: round(u.kwhPerKm, 6),
          samples: u.samples,
          distance_km: round(e.distanceKm, 2),
          measured_kwh_per_km: round(e.measured, 6),
        }),
      );
    });
  }
}
