/**
 * The driving prediction of one VIN, "magic SOC" (reference/algorithms.md §4): BMW's SOC anchored at trip start,
 * distance × learned consumption taken off it while driving, learning from every trip, per speed bracket when
 * Traccar reports the speed. Pure: trips come from the motion tracker, `now` (epoch ms) with every call.
 */
import type { Reading } from '../readings';
import {
  CONTINUITY_MS,
  END_SOC_WAIT_MS,
  HYSTERESIS_POINTS,
  MIN_LEARNING_DROP,
  MIN_LEARNING_KM,
  RESTORED_TRIP_MAX_AGE_MS,
  SPEED_WINDOW_MS,
} from './constants';
import {
  consumptionFromJSON,
  consumptionToJSON,
  learnTrip,
  lookupBracket,
  lookupConsumption,
  plausibleConsumption,
  type ConsumptionLookup,
  type ConsumptionUpdate,
  type DrivenByBracket,
  type LearnedConsumption,
} from './consumption';
import { modelDefaults } from './model-defaults';
import { closeSpan, energySinceAnchor, kmSinceAnchor, reanchor, type DrivingSession } from './session';
import { speedBracket, type SpeedBracket } from './speed-brackets';
import {
  addSpeedReading,
  emptySpeedEstimate,
  estimatedKm,
  speedEstimateFromJSON,
  type SpeedEstimate,
} from './speed-estimate';
import { BSM, DISP, HDR, HVSOC, MAXE } from './descriptors';
import { isRecord } from '../json';

export interface DrivingOptions {
  capacityKwh?: number | null;
  model?: string | null;
}

export type PredictionMode = 'driving' | 'continuity' | 'passthrough' | 'fallback' | 'charging';

export interface DrivingPrediction {
  soc: number;
  mode: PredictionMode;
  driving: boolean;
  consumption: number | null;
  speedBracket: SpeedBracket | null;
}

export type DrivingEvent =
  | { type: 'learning_updated'; updates: ConsumptionUpdate[]; distanceKm: number; measured: number }
  | { type: 'learning_rejected'; reason: string; distanceKm: number | null; drop: number | null };

interface SocReading {
  value: number;
  /** BMW's time, else ours. */
  at: number;
  source: 'header' | 'displayed' | 'trip_end';
}

/** A trip that ended and waits for learning (a BMW SOC as new as its last kilometre) or to be resumed. */
interface EndedTrip {
  session: DrivingSession;
  endedAt: number;
  endOdometerKm: number | null;
  /** When the odometer last moved: an end SOC older than this does not include the whole trip. */
  lastMoveAt: number;
  /** The value shown at the end, for continuity. */
  display: number;
}

export interface DrivingState {
  learned: LearnedConsumption | null;
  session: DrivingSession | null;
  ended: EndedTrip | null;
  header: SocReading | null;
  displayed: SocReading | null;
  tripEnd: SocReading | null;
  /** BMW's usable energy (MAXE), the better figure, and its nominal battery size (BSM). */
  maxEnergyKwh: number | null;
  batterySizeKwh: number | null;
  lastValue: number | null;
  odometerKm: number | null;
  /** BMW's time of the last odometer rise or GPS step. */
  movedAt: number | null;
  speed: { kmh: number | null; at: number } | null;
  /** The kilometres Traccar's speed adds to BMW's last measured distance. */
  estimate: SpeedEstimate;
}

const monthOf = (ms: number) => new Date(ms).getUTCMonth() + 1;

function emptyState(): DrivingState {
  return {
    learned: null,
    session: null,
    ended: null,
    header: null,
    displayed: null,
    tripEnd: null,
    maxEnergyKwh: null,
    batterySizeKwh: null,
    lastValue: null,
    odometerKm: null,
    movedAt: null,
    speed: null,
    estimate: emptySpeedEstimate(),
  };
}

export class DrivingEngine {
  private s: DrivingState;
  private options: DrivingOptions;

  constructor(options: DrivingOptions = {}, snapshot?: unknown) {
    this.options = { ...options };
    this.s = emptyState();
    if (isRecord(snapshot)) this.restore(snapshot);
  }

  get state(): Readonly<DrivingState> {
    return this.s;
  }

  get session(): Readonly<DrivingSession> | null {
    return this.s.session;
  }

  get learned(): Readonly<LearnedConsumption> | null {
    return this.s.learned;
  }

  setOptions(options: DrivingOptions): void {
    this.options = { ...options };
  }

  /** The defaults of the configured model. */
  get defaults() {
    return modelDefaults(this.options.model);
  }

  /** BMW's SOC as the prediction reads it: the battery header, else the displayed SOC, else the trip-end SOC. */
  get bmwSoc(): SocReading | null {
    return this.s.header ?? this.s.displayed ?? this.s.tripEnd;
  }

  /** Store what a BMW message says about SOC and capacity. Returns the SOC it carried (header first), if any. */
  observe(readings: readonly Reading[], now: number): SocReading | null {
    let fresh: SocReading | null = null;
    for (const reading of readings) {
      const value = reading.value;
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      const at = reading.measuredAt ?? now;
      const soc = value >= 0 && value <= 100;
      // A REST answer can re-deliver a value older than one the stream already gave: it must not re-anchor a trip.
      const newer = (stored: SocReading | null) => soc && (stored === null || at >= stored.at);
      switch (reading.descriptor) {
        case HDR:
          if (newer(this.s.header)) this.s.header = fresh = { value, at, source: 'header' };
          break;
        case DISP:
          if (newer(this.s.displayed)) {
            this.s.displayed = { value, at, source: 'displayed' };
            if (fresh?.source !== 'header') fresh = this.s.displayed;
          }
          break;
        case HVSOC:
          if (newer(this.s.tripEnd)) this.s.tripEnd = { value, at, source: 'trip_end' };
          break;
        case MAXE:
          if (value > 0) this.s.maxEnergyKwh = value;
          break;
        case BSM:
          if (value > 0) this.s.batterySizeKwh = value;
          break;
      }
    }
    return fresh;
  }

  /**
   * The accepted odometer (km), the GPS distance the tracker added since the last call and whether a fix came with
   * it, and when (BMW's time) the car was last seen to move: an end-of-trip SOC older than that does not include
   * the whole trip.
   */
  position(odometerKm: number | null, gps: { stepKm: number; fix: boolean }, movedAt: number): void {
    const s = this.s;
    if (odometerKm !== null && odometerKm !== s.odometerKm) {
      if (s.odometerKm !== null && odometerKm > s.odometerKm) s.movedAt = movedAt;
      s.odometerKm = odometerKm;
    }
    const session = s.session;
    if (session) {
      if (odometerKm !== null) {
        const rose = session.odometerKm !== null && odometerKm > session.odometerKm;
        if (rose && session.anchoredAt !== null && movedAt <= session.anchoredAt) {
          // Measured before the SOC the trip is anchored to (one upload comes as several messages): BMW's SOC
          // already holds these kilometres, so they move the anchor's odometer instead of being billed again.
          session.anchorOdometerKm = odometerKm;
        } else if (rose) {
          session.progressAt = movedAt;
        }
        session.odometerKm = odometerKm;
      }
      if (gps.stepKm > 0) {
        if (session.gpsSinceAnchor) session.gpsKm += gps.stepKm;
        s.movedAt = movedAt;
        session.progressAt = movedAt;
      }
      if (gps.fix) session.gpsSinceAnchor = true;
    } else if (s.ended && odometerKm !== null && s.ended.endOdometerKm !== null && odometerKm > s.ended.endOdometerKm) {
      // The trip's last kilometres, measured before the stop, often arrive after it: they are the trip's.
      s.ended.endOdometerKm = odometerKm;
      s.ended.lastMoveAt = movedAt;
    }
  }

  /**
   * A trip began (§4.3). `startOdometerKm` is where the tracker says it began (it may be below the current odometer
   * when the car drove before anything said so). Not anchored when there is no basis (no SOC, odometer or capacity);
   * the events are the learning of the trip before, which this one ends.
   */
  startTrip(startOdometerKm: number | null, now: number): { anchored: boolean; events: DrivingEvent[] } {
    const s = this.s;
    if (s.session) return { anchored: true, events: [] };
    const ended = s.ended;
    if (ended && now - ended.endedAt < CONTINUITY_MS) {
      // A stop shorter than the continuity window is the same trip: learning sees it whole (§12.3 #22).
      s.session = ended.session;
      s.ended = null;
      return { anchored: true, events: [] };
    }
    // The trip before is over for good: it learns now, with the SOC there is.
    const events = this.finishEnded(now);
    const bmw = this.bmwSoc;
    const odometer = s.odometerKm;
    const capacity = this.capacity();
    if (!bmw || odometer === null || capacity === null) return { anchored: false, events };
    // Smoothing: a shown value within the hysteresis of BMW's integer is the better of the two.
    let anchor = bmw.value;
    if (s.lastValue !== null && Math.abs(s.lastValue - bmw.value) < HYSTERESIS_POINTS) anchor = s.lastValue;
    const consumption = this.lookup(now);
    const start = startOdometerKm !== null && startOdometerKm < odometer ? startOdometerKm : odometer;
    s.session = {
      anchorSoc: anchor,
      anchorOdometerKm: odometer,
      anchorGpsKm: 0,
      capacityKwh: capacity,
      consumption: consumption.kwhPerKm,
      display: anchor,
      createdAt: now,
      tripStartSoc: bmw.value,
      tripStartOdometerKm: start,
      gpsKm: 0,
      gpsSinceAnchor: false,
      progressAt: now,
      anchoredAt: null,
      odometerKm: odometer,
      accumulatedKwh: 0,
      span: { bracket: null, startKm: 0, kwhPerKm: consumption.kwhPerKm },
      driven: {},
    };
    this.applySpeed(now);
    return { anchored: true, events };
  }

  /** A fresh BMW SOC during the trip (§4.4), measured at `at`. */
  reanchor(soc: number, at: number): void {
    const session = this.s.session;
    if (!session || session.odometerKm === null) return;
    if (soc === session.anchorSoc && session.odometerKm === session.anchorOdometerKm) return;
    reanchor(session, soc, at, HYSTERESIS_POINTS);
  }

  /** The trip ended. Learning waits until the trip cannot resume and BMW's SOC includes its last kilometre. */
  endTrip(now: number): DrivingEvent[] {
    const s = this.s;
    const session = s.session;
    if (!session) return [];
    this.evaluate(now, null);
    closeSpan(session);
    s.session = null;
    s.ended = {
      session,
      endedAt: now,
      endOdometerKm: s.odometerKm,
      lastMoveAt: s.movedAt ?? now,
      display: session.display,
    };
    return [];
  }

  /** A Traccar reading, km/h; null when Traccar has none (offline, no valid or a stale position). */
  speed(kmh: number | null, now: number): void {
    const reading = speedBracket(kmh) === null ? null : kmh;
    this.s.speed = { kmh: reading, at: now };
    addSpeedReading(this.s.estimate, reading, now, this.s.session?.progressAt ?? now);
    this.applySpeed(now);
  }

  /** Time passing: a Traccar reading running out, an ended trip ready to learn from. */
  tick(now: number, charging: boolean): DrivingEvent[] {
    this.applySpeed(now);
    return this.learnWhenReady(now, charging);
  }

  /** After a message: learning may now have the SOC it waited for. */
  settle(now: number, charging: boolean): DrivingEvent[] {
    return this.learnWhenReady(now, charging);
  }

  /**
   * The value now (§4.6). `charging`: the charging prediction while the car charges — then magic SOC is that value.
   * Null when there is no basis. Evaluating moves the display down while driving: the measured part never goes back up
   * between anchors; a Traccar estimate on top of it is shown, not kept.
   */
  evaluate(now: number, charging: { soc: number } | null): DrivingPrediction | null {
    const s = this.s;
    this.applySpeed(now);
    if (charging) {
      s.lastValue = charging.soc;
      return { soc: charging.soc, mode: 'charging', driving: false, consumption: null, speedBracket: null };
    }
    const session = s.session;
    if (session && session.capacityKwh > 0) {
      const toPoints = (kwh: number) => (kwh / session.capacityKwh) * 100;
      const measured = session.anchorSoc - toPoints(energySinceAnchor(session));
      session.display = Math.min(Math.max(measured, 0), session.display);
      // The estimate is shown, not kept: BMW's next odometer or position replaces it, also when it was too much.
      const extra = toPoints(this.extrapolatedKm(now) * session.span.kwhPerKm);
      const shown = Math.max(session.display - extra, 0);
      s.lastValue = shown;
      return {
        soc: shown,
        mode: 'driving',
        driving: true,
        consumption: session.span.kwhPerKm,
        speedBracket: session.span.bracket,
      };
    }
    const bmw = this.bmwSoc;
    const ended = s.ended;
    if (ended && now - ended.endedAt < CONTINUITY_MS) {
      const it = ended.display;
      if (!bmw || bmw.value >= it || Math.abs(bmw.value - it) < HYSTERESIS_POINTS) {
        return { soc: it, mode: 'continuity', driving: false, consumption: null, speedBracket: null };
      }
    }
    const mode: PredictionMode = bmw?.source === 'trip_end' ? 'fallback' : 'passthrough';
    if (bmw) {
      if (s.lastValue === null || Math.abs(bmw.value - s.lastValue) >= HYSTERESIS_POINTS) s.lastValue = bmw.value;
    }
    if (s.lastValue === null) return null;
    return { soc: s.lastValue, mode, driving: false, consumption: null, speedBracket: null };
  }

  /** The consumption a trip starting now would use (§4.7). */
  lookup(now: number): ConsumptionLookup {
    return lookupConsumption(this.s.learned, monthOf(now), this.defaults.consumptionKwhPerKm);
  }

  /** The capacity a trip would use: manual, BMW's, the model's. */
  capacity(): number | null {
    const manual = this.options.capacityKwh;
    if (manual && manual > 0) return manual;
    return this.s.maxEnergyKwh ?? this.s.batterySizeKwh ?? this.defaults.capacityKwh;
  }

  /** Kilometres driven since BMW last measured the distance, estimated from Traccar's speed (speed-estimate.ts). */
  extrapolatedKm(now: number): number {
    const session = this.s.session;
    return session ? estimatedKm(this.s.estimate, now, session.progressAt) : 0;
  }

  /** The Traccar reading still inside its window, km/h. */
  currentSpeed(now: number): number | null {
    const speed = this.s.speed;
    return speed && speed.kmh !== null && now - speed.at <= SPEED_WINDOW_MS ? speed.kmh : null;
  }

  /** Forget everything learned; false when nothing was. */
  reset(): boolean {
    const had = this.s.learned !== null;
    this.s.learned = null;
    return had;
  }

  snapshot(): Record<string, unknown> {
    const { learned, ...rest } = this.s;
    return { ...structuredClone(rest), learned: learned ? consumptionToJSON(learned) : null };
  }

  /** Open the span the current Traccar reading calls for (§4.11). */
  private applySpeed(now: number): void {
    const session = this.s.session;
    if (!session) return;
    const bracket = speedBracket(this.currentSpeed(now));
    if (bracket === session.span.bracket) return;
    const rate =
      bracket === null
        ? session.consumption
        : lookupBracket(this.s.learned, bracket, monthOf(session.createdAt), this.defaults.consumptionKwhPerKm)
            .kwhPerKm;
    closeSpan(session, { bracket, kwhPerKm: rate });
  }

  private learnWhenReady(now: number, charging: boolean): DrivingEvent[] {
    const ended = this.s.ended;
    if (!ended) return [];
    // A charge ends the chance of resuming, and from now on BMW's SOC only rises: learn with what there is.
    if (charging) return this.finishEnded(now);
    if (now - ended.endedAt < CONTINUITY_MS) return [];
    const bmw = this.s.header ?? this.s.displayed;
    const current = bmw !== null && bmw.at >= ended.lastMoveAt;
    return current || now - ended.endedAt >= END_SOC_WAIT_MS ? this.finishEnded(now) : [];
  }

  /** Learn from the ended trip with the SOC there is (§4.5) and forget it. */
  private finishEnded(now: number): DrivingEvent[] {
    const ended = this.s.ended;
    if (!ended) return [];
    this.s.ended = null;
    const session = ended.session;
    const end = this.s.header ?? this.s.displayed;
    const byOdometer =
      ended.endOdometerKm !== null && session.tripStartOdometerKm !== null
        ? ended.endOdometerKm - session.tripStartOdometerKm
        : null;
    const distanceKm = byOdometer !== null && byOdometer > 0 ? byOdometer : session.gpsKm > 0 ? session.gpsKm : null;
    const drop = end ? session.tripStartSoc - end.value : null;
    const reject = (reason: string): DrivingEvent[] => [{ type: 'learning_rejected', reason, distanceKm, drop }];
    if (distanceKm === null || drop === null) return reject('no_data');
    if (distanceKm < MIN_LEARNING_KM) return reject('too_short');
    if (drop < MIN_LEARNING_DROP) return reject('soc_drop_too_small');
    const measured = ((drop / 100) * session.capacityKwh) / distanceKm;
    if (!plausibleConsumption(measured)) return reject('implausible');
    const driven: DrivenByBracket = session.driven;
    const { learned, updates } = learnTrip(
      this.s.learned,
      { distanceKm, measured, month: monthOf(now), driven },
      this.defaults.consumptionKwhPerKm,
    );
    this.s.learned = learned;
    return [{ type: 'learning_updated', updates, distanceKm, measured }];
  }

  private restore(saved: Record<string, unknown>): void {
    const s = this.s;
    s.learned = consumptionFromJSON(saved.learned);
    s.estimate = speedEstimateFromJSON(saved.estimate);
    for (const key of ['header', 'displayed', 'tripEnd', 'speed'] as const) {
      if (isRecord(saved[key])) (s as unknown as Record<string, unknown>)[key] = saved[key];
    }
    for (const key of ['maxEnergyKwh', 'batterySizeKwh', 'lastValue', 'odometerKm', 'movedAt'] as const) {
      const value = saved[key];
      if (typeof value === 'number' && Number.isFinite(value)) s[key] = value;
    }
    const session = saved.session;
    if (isRecord(session) && typeof session.createdAt === 'number' && isRecord(session.span)) {
      s.session = session as unknown as DrivingSession;
    }
    if (isRecord(saved.ended) && isRecord(saved.ended.session)) s.ended = saved.ended as unknown as EndedTrip;
  }

  /** On start after a restart: a trip older than 4 h is not one any more (§4.10). */
  dropOldTrip(now: number): void {
    const session = this.s.session;
    if (session && now - session.createdAt > RESTORED_TRIP_MAX_AGE_MS) this.s.session = null;
  }

  /** The kilometres since the trip's anchor (for attributes). */
  kmSinceAnchor(): number | null {
    return this.s.session ? kmSinceAnchor(this.s.session) : null;
  }
}
