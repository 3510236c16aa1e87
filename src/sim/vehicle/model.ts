/**
 * The true state of one simulated car, stepped in simulated time: battery energy, charging, driving, position,
 * doors, fuel. Nothing here reads the wall clock or sets timers; `step(nowMs)` integrates since the last step and
 * every command takes the instant it happens. What BMW would report is the reporter's business, not this file's.
 */
import type { ChargingSessionRecord } from '../fleet-view';
import { acSupply, chargingAuxKw, chargingEfficiency, dcPowerKw, heaterKw, type ChargeKind } from './charging';
import { drivingAuxKw, electricDrivePowerKw, fuelRateLitresPerHour, wheelPowerKw } from './driving';
import type {
  ChargeEndReason,
  ChargeState,
  ChargingInstant,
  DoorState,
  DriveOptions,
  ModelOptions,
  Plug,
  PlugInOptions,
  TrueState,
  VehicleEvent,
} from './model-types';
import type { VehicleProfile } from './profiles';
import { Rng } from './random';
import type { Fix, GeoPoint } from './route';
import { stepBatteryTemperature } from './thermal';
import { Trip, type TripTruth } from './trip';

export type * from './model-types';

interface OpenSession {
  startMs: number;
  startSoc: number;
  gridKwh: number;
  activeMs: number;
  method: 'AC' | 'DC';
}

const NO_EVENTS: readonly VehicleEvent[] = [];
const IDLE: ChargingInstant = { gridKw: 0, auxKw: 0, efficiency: null, phases: 0, currentA: 0, voltageV: 0 };
export const MUNICH: GeoPoint = { latitude: 48.137, longitude: 11.575 };

export class VehicleModel {
  readonly profile: VehicleProfile;
  energyKwh: number;
  ambientC: number;
  batteryTempC: number;
  odometerKm: number;
  fuelLitres: number;
  targetSoc: number;
  speedKmh = 0;
  private parkedAt: Fix;
  readonly doors: DoorState = {
    central: 'LOCKED',
    driver: false,
    passenger: false,
    rearLeft: false,
    rearRight: false,
    trunk: false,
  };
  plug: Plug | undefined;
  chargeState: ChargeState = 'none';
  plugEventId: number;
  instant: ChargingInstant = IDLE;
  trip: Trip | undefined;
  lastTrip: TripTruth | undefined;
  readonly sessions: ChargingSessionRecord[] = [];
  /** Running sums since creation, for conservation checks: grid energy in, aux and losses out, battery in and out. */
  readonly totals = { gridKwh: 0, chargingAuxKwh: 0, chargingLossKwh: 0, chargedKwh: 0, drivenKwh: 0, fuelLitres: 0 };
  private session: OpenSession | undefined;
  private events: VehicleEvent[] = [];
  private readonly rng: Rng;
  private lastMs: number | undefined;
  private doorActions: { at: number; apply: () => void }[] = [];
  private chargeInitUntil = Infinity;
  private lastUnplugMs = -Infinity;
  private voltageV = 230;
  private chargingPointAt = 0;
  private chargingPointUntil = -Infinity;
  private lockedForDriving = false;

  constructor(options: ModelOptions) {
    this.profile = options.profile;
    this.rng = new Rng(options.seed);
    this.energyKwh = (clampSoc(options.startSoc ?? 60) / 100) * this.profile.capacityKwh;
    this.ambientC = options.ambientC ?? 18;
    this.batteryTempC = this.ambientC + 2;
    this.odometerKm = options.odometerKm ?? this.rng.range(5000, 40000);
    this.fuelLitres = this.profile.fuel ? this.profile.fuel.tankLitres * this.rng.range(0.5, 0.9) : 0;
    this.targetSoc = options.targetSoc ?? this.profile.defaultTargetSoc;
    this.parkedAt = { ...(options.home ?? MUNICH), headingDeg: this.rng.int(0, 359) };
    this.plugEventId = this.rng.int(20, 400);
  }

  /** Where the car is: on its trip's route while driving, else where it parked. */
  get position(): Fix {
    return this.trip ? this.trip.position() : this.parkedAt;
  }

  get capacityKwh(): number {
    return this.profile.capacityKwh;
  }

  get soc(): number {
    return (this.energyKwh / this.profile.capacityKwh) * 100;
  }

  get charging(): boolean {
    return this.chargeState === 'active';
  }

  get driving(): boolean {
    return this.trip !== undefined;
  }

  /** The instant the model has been stepped to (undefined before the first step). */
  get time(): number | undefined {
    return this.lastMs;
  }

  drainEvents(): readonly VehicleEvent[] {
    if (this.events.length === 0) return NO_EVENTS;
    const events = this.events;
    this.events = [];
    return events;
  }

  step(nowMs: number): void {
    if (this.lastMs === undefined) {
      this.lastMs = nowMs;
      return;
    }
    let t = this.lastMs;
    while (t < nowMs) {
      // Driving needs 1 s steps for a smooth speed trace; charging 10 s for the DC taper; parked only cools.
      const maxDt = this.trip ? 1000 : this.chargeState === 'active' ? 10_000 : 60_000;
      let next = Math.min(nowMs, t + maxDt);
      const due = this.nextActionAt();
      if (due > t && due < next) next = due;
      this.integrate(t, next);
      t = next;
      this.lastMs = t;
      this.runDueActions(t);
    }
  }

  startTrip(options: DriveOptions, at: number): void {
    this.step(at);
    if (this.trip) throw new Error('the car is already driving');
    if (!this.profile.fuel && this.energyKwh <= 0) throw new Error('the battery is empty; charge first');
    if (this.profile.fuel && this.energyKwh <= 0 && this.fuelLitres <= 0) throw new Error('battery and tank are empty');
    if (this.plug) this.unplug(at);
    this.doorActions = [];
    this.setDoors(at, { central: 'UNLOCKED', driver: true });
    this.schedule(at + 5000, { driver: false });
    this.lockedForDriving = false;
    const origin = { latitude: this.position.latitude, longitude: this.position.longitude };
    this.trip = new Trip(
      options.profile ?? 'mixed',
      options.km,
      options.roundTrip ?? true,
      origin,
      this.rng,
      at,
      this.soc,
    );
    this.events.push({ type: 'tripStart', at });
  }

  plugIn(options: PlugInOptions, at: number): void {
    this.step(at);
    if (this.trip) throw new Error('cannot plug in while driving');
    if (options.type === 'DC' && !this.profile.dc) throw new Error(`${this.profile.name} cannot charge on DC`);
    if (this.plug) this.unplug(at);
    // BMW's plugEventId does not count a re-plug within 90 s (descriptor catalogue).
    if (at - this.lastUnplugMs > 90_000) this.plugEventId++;
    if (options.targetSoc !== undefined) this.targetSoc = options.targetSoc;
    const kind: ChargeKind = options.type === 'DC' ? 'DC' : 'AC';
    this.plug = {
      type: options.type,
      kind,
      currentA: options.currentA ?? 16,
      chargerMaxKw: options.maxKw ?? 150,
      pluggedAtMs: at,
      activeSinceMs: at,
      siteVoltageV: 230 + this.rng.range(-3, 4),
    };
    this.voltageV = this.plug.siteVoltageV;
    this.chargeState = 'initializing';
    this.chargeInitUntil = at + (kind === 'AC' ? this.rng.range(20_000, 40_000) : this.rng.range(30_000, 60_000));
    this.events.push({ type: 'plugIn', at, kind });
  }

  /** The wallbox stops delivering (schedule, solar surplus gone, load management): current drops to 0. */
  wallboxStop(at: number): void {
    this.step(at);
    if (this.chargeState !== 'active' && this.chargeState !== 'initializing') return;
    this.chargeState = 'paused';
    this.chargeInitUntil = Infinity;
    this.instant = IDLE;
    this.events.push({ type: 'wallboxStop', at, kind: this.plug!.kind });
  }

  wallboxResume(at: number): void {
    this.step(at);
    if (this.chargeState === 'paused') this.activate(at, true);
  }

  unplug(at: number): void {
    this.step(at);
    if (!this.plug) return;
    if (this.chargeState === 'active' || this.chargeState === 'paused' || this.chargeState === 'initializing') {
      this.endCharge('unplug', at);
    }
    this.plug = undefined;
    this.chargeState = 'none';
    this.chargeInitUntil = Infinity;
    this.lastUnplugMs = at;
    this.events.push({ type: 'unplug', at });
  }

  setTemperature(ambientC: number, batteryC: number | undefined, at: number): void {
    this.step(at);
    this.ambientC = ambientC;
    if (batteryC !== undefined) this.batteryTempC = batteryC;
  }

  setSoc(soc: number, at: number): void {
    this.step(at);
    this.energyKwh = (clampSoc(soc) / 100) * this.profile.capacityKwh;
    this.events.push({ type: 'socSet', at });
  }

  refuel(litres: number | undefined, at: number): void {
    this.step(at);
    if (!this.profile.fuel) return;
    this.fuelLitres = Math.min(this.profile.fuel.tankLitres, this.fuelLitres + (litres ?? Infinity));
    this.events.push({ type: 'refuel', at });
  }

  trueState(): TrueState {
    const state: TrueState = {
      soc: this.soc,
      energyKwh: this.energyKwh,
      capacityKwh: this.profile.capacityKwh,
      latitude: this.position.latitude,
      longitude: this.position.longitude,
      headingDeg: this.position.headingDeg,
      speedKmh: this.speedKmh,
      odometerKm: this.odometerKm,
      charging: this.charging,
      chargeState: this.chargeState,
      plugged: this.plug !== undefined,
      plugType: this.plug?.type ?? null,
      chargingPowerKw: this.instant.gridKw,
      auxPowerKw: this.instant.auxKw,
      efficiency: this.instant.efficiency,
      phases: this.instant.phases,
      targetSoc: this.targetSoc,
      driving: this.driving,
      tripProfile: this.trip?.truth.profile ?? null,
      tripDistanceKm: this.trip ? this.trip.truth.distanceKm : null,
      batteryTempC: this.batteryTempC,
      ambientC: this.ambientC,
      centralLock: this.doors.central,
    };
    if (this.profile.fuel) state.fuelLitres = this.fuelLitres;
    return state;
  }

  private integrate(t0: number, t1: number): void {
    const dtS = (t1 - t0) / 1000;
    let heatKw = 0;
    if (this.trip) heatKw = this.integrateDriving(t1, dtS);
    else if (this.chargeState === 'active') heatKw = this.integrateCharging(t0, dtS);
    if (heatKw !== 0 || Math.abs(this.batteryTempC - this.ambientC) > 0.001) {
      this.batteryTempC = stepBatteryTemperature(this.batteryTempC, this.ambientC, heatKw, this.capacityKwh, dtS);
    }
  }

  private integrateDriving(t1: number, dtS: number): number {
    const trip = this.trip!;
    const v0 = trip.speedMs;
    const distanceM = trip.advance(dtS);
    const v1 = trip.speedMs;
    const v = (v0 + v1) / 2;
    const kmh = v * 3.6;
    const aux = drivingAuxKw(this.ambientC);
    const wheel = wheelPowerKw(this.profile, v, (v1 - v0) / dtS, this.ambientC);
    const fuel = this.profile.fuel;
    let kwh = 0;
    let litres = 0;
    let stranded = false;
    if (fuel && (this.soc <= fuel.electricFloorSoc || kmh > fuel.electricMaxKmh)) {
      // Charge-sustaining: the engine drives and powers the aux; the battery stays where it is.
      litres = Math.min(this.fuelLitres, (fuelRateLitresPerHour(wheel, aux) * dtS) / 3600);
      stranded = this.fuelLitres - litres <= 0 && this.soc <= fuel.electricFloorSoc;
    } else {
      kwh = (electricDrivePowerKw(this.profile, wheel, v, aux) * dtS) / 3600;
      if (kwh > this.energyKwh) {
        kwh = this.energyKwh;
        stranded = true;
      }
    }
    this.energyKwh -= kwh;
    this.fuelLitres -= litres;
    this.totals.drivenKwh += kwh;
    this.totals.fuelLitres += litres;
    this.odometerKm += distanceM / 1000;
    trip.record(kmh, distanceM, kwh, litres, dtS);
    this.speedKmh = v1 * 3.6;
    if (!this.lockedForDriving && this.speedKmh > 15) {
      // BMW's drive-away lock: the doors lock themselves once the car rolls.
      this.lockedForDriving = true;
      this.setDoors(t1, { central: 'LOCKED' });
      this.events.push({ type: 'driveAway', at: t1 });
    }
    if (trip.done || stranded) this.endTrip(t1, stranded);
    return Math.abs(kwh / dtS) * 3600 * 0.02;
  }

  /**
   * The charger's operating point, held for 10 s at a time: power, aux and efficiency change slowly, and
   * recomputing them every 1 s step for 100 cars is most of the simulation's cost.
   */
  private refreshCharging(t0: number): void {
    const plug = this.plug!;
    const dtS = Math.min(60, (t0 - this.chargingPointAt) / 1000);
    this.chargingPointAt = t0;
    let gridKw: number;
    let phases = 0;
    let currentA = 0;
    let voltageV = 0;
    if (plug.kind === 'AC') {
      // Grid voltage wanders around the site's level (about ±0.4 V per 10 s, pulled back within a minute).
      this.voltageV += (plug.siteVoltageV - this.voltageV) * Math.min(1, dtS / 60);
      this.voltageV += (this.rng.next() - 0.5) * 1.4 * Math.sqrt(dtS / 10);
      this.voltageV = Math.min(245, Math.max(215, this.voltageV));
      voltageV = this.voltageV;
      const supply = acSupply(this.profile, plug.type, plug.currentA, voltageV, this.soc);
      ({ gridKw, phases, currentA } = supply);
    } else {
      gridKw = dcPowerKw(
        this.profile,
        plug.chargerMaxKw,
        this.soc,
        this.batteryTempC,
        (t0 - plug.activeSinceMs) / 1000,
      );
    }
    const auxKw = Math.min(gridKw, chargingAuxKw(plug.kind, gridKw, this.batteryTempC));
    const efficiency = chargingEfficiency(plug.kind, gridKw - auxKw, this.batteryTempC);
    this.instant = { gridKw, auxKw, efficiency, phases, currentA, voltageV };
    this.chargingPointUntil = t0 + 10_000;
  }

  private integrateCharging(t0: number, dtS: number): number {
    const plug = this.plug!;
    if (t0 >= this.chargingPointUntil) this.refreshCharging(t0);
    const { gridKw, auxKw } = this.instant;
    const efficiency = this.instant.efficiency ?? 0;
    const netKw = gridKw - auxKw;
    const targetKwh = (this.targetSoc / 100) * this.capacityKwh;
    let gain = (netKw * efficiency * dtS) / 3600;
    let fraction = 1;
    const reached = this.energyKwh + gain >= targetKwh;
    if (reached) {
      fraction = gain > 0 ? Math.max(0, (targetKwh - this.energyKwh) / gain) : 0;
      gain *= fraction;
    }
    const hours = (dtS * fraction) / 3600;
    this.energyKwh += gain;
    this.totals.gridKwh += gridKw * hours;
    this.totals.chargingAuxKwh += auxKw * hours;
    this.totals.chargingLossKwh += netKw * (1 - efficiency) * hours;
    this.totals.chargedKwh += gain;
    if (this.session) {
      this.session.gridKwh += gridKw * hours;
      this.session.activeMs += hours * 3_600_000;
    }
    if (reached) this.endCharge('target', t0 + Math.round(dtS * fraction * 1000));
    // The pack takes ~30 % of AC losses (the rest heats the on-board charger), ~35 % of DC losses, 90 % of the heater.
    const lossShare = plug.kind === 'AC' ? 0.3 : 0.35;
    return netKw * (1 - efficiency) * lossShare + heaterKw(plug.kind, this.batteryTempC) * 0.9;
  }

  private activate(at: number, resumed: boolean): void {
    const plug = this.plug!;
    if (this.soc >= this.targetSoc - 1e-9) {
      this.chargeState = 'ended';
      this.events.push({ type: 'chargeEnd', at, kind: plug.kind, reason: 'target', afterWallboxStop: false });
      return;
    }
    this.chargeState = 'active';
    plug.activeSinceMs = at;
    this.chargingPointAt = at;
    this.chargingPointUntil = -Infinity;
    this.session ??= { startMs: at, startSoc: this.soc, gridKwh: 0, activeMs: 0, method: plug.kind };
    this.events.push({ type: 'chargeActive', at, resumed });
  }

  private endCharge(reason: ChargeEndReason, at: number): void {
    const afterWallboxStop = this.chargeState === 'paused';
    if (this.session) {
      const s = this.session;
      this.sessions.push({
        startMs: s.startMs,
        endMs: at,
        startSoc: s.startSoc,
        endSoc: this.soc,
        energyFromGridKwh: s.gridKwh,
        averagePowerKw: s.activeMs > 0 ? s.gridKwh / (s.activeMs / 3_600_000) : 0,
        latitude: this.position.latitude,
        longitude: this.position.longitude,
        mileageKm: Math.floor(this.odometerKm),
        method: s.method,
      });
      this.session = undefined;
    }
    this.chargeState = 'ended';
    this.chargeInitUntil = Infinity;
    this.instant = IDLE;
    this.events.push({ type: 'chargeEnd', at, kind: this.plug?.kind ?? 'AC', reason, afterWallboxStop });
  }

  private endTrip(at: number, stranded: boolean): void {
    const trip = this.trip!;
    this.parkedAt = trip.position();
    trip.truth.endMs = at;
    trip.truth.endSoc = this.soc;
    this.lastTrip = trip.truth;
    this.trip = undefined;
    this.speedKmh = 0;
    this.setDoors(at, { central: 'UNLOCKED' });
    this.schedule(at + 2000, { driver: true });
    this.schedule(at + 7000, { driver: false });
    if (this.rng.chance(0.2)) {
      this.schedule(at + 10_000, { trunk: true });
      this.schedule(at + 40_000, { trunk: false });
    }
    this.schedule(at + this.rng.range(45_000, 90_000), { central: this.rng.chance(0.2) ? 'SECURED' : 'LOCKED' });
    this.events.push({ type: 'tripEnd', at, trip: trip.truth, stranded });
  }

  private setDoors(at: number, change: Partial<DoorState>): void {
    Object.assign(this.doors, change);
    this.events.push({ type: 'doors', at });
  }

  private schedule(at: number, change: Partial<DoorState>): void {
    this.doorActions.push({ at, apply: () => this.setDoors(at, change) });
    this.doorActions.sort((a, b) => a.at - b.at);
  }

  private nextActionAt(): number {
    const door = this.doorActions.length > 0 ? this.doorActions[0].at : Infinity;
    return this.chargeState === 'initializing' ? Math.min(door, this.chargeInitUntil) : door;
  }

  private runDueActions(t: number): void {
    while (this.doorActions.length > 0 && this.doorActions[0].at <= t) this.doorActions.shift()!.apply();
    if (this.chargeState === 'initializing' && t >= this.chargeInitUntil) {
      this.chargeInitUntil = Infinity;
      this.activate(t, false);
    }
  }
}

function clampSoc(soc: number): number {
  return Math.min(100, Math.max(0, soc));
}
