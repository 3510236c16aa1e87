/**
 * A trip in progress as the driving prediction sees it (reference/algorithms.md §4.2–§4.4, §4.11): where it was
 * anchored to BMW's SOC, and the energy billed since, span by span. A span is a stretch at one consumption: one
 * speed bracket while Traccar reports, the trip's single rate while it does not. Positions are kilometres since the
 * anchor, so the two modes share one ledger and switching between them never makes the prediction jump.
 */
import type { DrivenByBracket } from './consumption';
import type { SpeedBracket } from './speed-brackets';

export interface Span {
  /** null: no usable Traccar speed, the trip's single rate. */
  bracket: SpeedBracket | null;
  /** Kilometres since the anchor where the span began. */
  startKm: number;
  kwhPerKm: number;
}

export interface DrivingSession {
  anchorSoc: number;
  /** The odometer at the anchor, km; null when the car gave none (GPS distance only). */
  anchorOdometerKm: number | null;
  /** The session's GPS distance at the anchor. */
  anchorGpsKm: number;
  capacityKwh: number;
  /** The single rate frozen at trip start. */
  consumption: number;
  /** The value shown; it only goes down between anchors. */
  display: number;
  createdAt: number;
  /** BMW's own SOC when the trip began (not the smoothed anchor): what learning measures the drop from. */
  tripStartSoc: number;
  tripStartOdometerKm: number | null;
  /** GPS distance of the trip, km, summed from the motion tracker's steps. */
  gpsKm: number;
  /**
   * Whether a fix arrived since the anchor. The first step after it starts at a fix from before the anchor, whose
   * distance the odometer at the anchor already holds: it is not counted (the reference cleared its GPS reference).
   */
  gpsSinceAnchor: boolean;
  /** When (BMW's time) the distance was last measured: an odometer rise, a GPS step, the anchor's SOC. */
  progressAt: number;
  /** BMW's time of the SOC of the last re-anchor; null at trip start (then the odometer of that moment counts). */
  anchoredAt: number | null;
  /** The latest odometer during the trip, km. */
  odometerKm: number | null;
  /** Energy of the spans closed since the anchor, kWh. */
  accumulatedKwh: number;
  span: Span;
  /** The whole trip, for learning: kilometres and billed energy per bracket. */
  driven: DrivenByBracket;
}

/**
 * Kilometres since the anchor: the odometer's, or the GPS track's when that is further. BMW's odometer moves in
 * whole kilometres and arrives late, so the reference's rule (GPS only while the odometer has not moved at all,
 * §12.3 #25) froze the prediction whenever the odometer moved a little.
 */
export function kmSinceAnchor(session: DrivingSession): number {
  const byOdometer =
    session.odometerKm !== null && session.anchorOdometerKm !== null
      ? session.odometerKm - session.anchorOdometerKm
      : 0;
  return Math.max(byOdometer, session.gpsKm - session.anchorGpsKm, 0);
}

/** Energy since the anchor, kWh. */
export function energySinceAnchor(session: DrivingSession): number {
  const km = Math.max(kmSinceAnchor(session) - session.span.startKm, 0);
  return session.accumulatedKwh + km * session.span.kwhPerKm;
}

/** End the open span here and start the next one (same bracket and rate unless given). */
export function closeSpan(session: DrivingSession, next?: Omit<Span, 'startKm'>): void {
  const here = kmSinceAnchor(session);
  const span = session.span;
  const km = Math.max(here - span.startKm, 0);
  if (km > 0) {
    const kwh = km * span.kwhPerKm;
    session.accumulatedKwh += kwh;
    const key = span.bracket ?? 'none';
    const part = (session.driven[key] ??= { km: 0, kwh: 0 });
    part.km += km;
    part.kwh += kwh;
  }
  session.span = { ...(next ?? span), startKm: here };
}

/**
 * A fresh BMW SOC during the trip (§4.4): the anchor moves to it and the ledger starts again from there. The
 * kilometres of the open span are booked for learning first; the reference dropped them (§12.4 #29).
 */
export function reanchor(session: DrivingSession, soc: number, at: number, hysteresis: number): void {
  closeSpan(session);
  session.anchorSoc = soc;
  if (Math.abs(soc - session.display) >= hysteresis) session.display = soc;
  session.anchorOdometerKm = session.odometerKm;
  session.anchorGpsKm = session.gpsKm;
  session.gpsSinceAnchor = false;
  // BMW's SOC holds the distance up to its own time, however old the odometer is.
  session.progressAt = Math.max(session.progressAt, at);
  session.anchoredAt = at;
  session.accumulatedKwh = 0;
  session.span = { ...session.span, startKm: 0 };
}
