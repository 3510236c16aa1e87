/**
 * The per-VIN charging state: plain, JSON-safe data (numbers, strings, booleans, null), so a snapshot is the state
 * itself and a restart continues exactly where it stopped. Behaviour lives in the modules that operate on it.
 */

export type Method = 'AC' | 'DC';

/** Where the session's phase count came from; only our own guesses (`derived`, `carried`) may be withdrawn. */
export type PhasesSource = 'assumed' | 'reported' | 'derived' | 'carried';

/** The last value BMW sent for one descriptor. */
export interface StoredReading {
  value: number | string | boolean;
  unit: string | null;
  /** Car time of the measurement (BMW's timestamp), epoch ms. */
  measuredAt: number | null;
  /** Our time when it arrived, epoch ms. */
  receivedAt: number;
}

export type DescriptorStore = Record<string, StoredReading>;

/** Phase-inference window (reference §2.10): where the SOC and the energy counters stood when it opened. */
export interface PhaseProbe {
  soc: number;
  netKwh: number;
  grossKwh: number;
}

/**
 * A real BMW SOC seen during the session, with the net energy integrated at that instant: the pair learning needs,
 * so the sample does not depend on how long after BMW's last SOC the charge happened to end.
 */
export interface SocMark {
  soc: number;
  at: number;
  netKwh: number;
}

export interface ChargingSession {
  anchorSoc: number;
  /** Our time of the last (re-)anchor; derived power measures the SOC rise from here. */
  anchorAt: number;
  /** Car time the charge started (STAT's timestamp, else arrival); BMW SOCs measured before it are stale. */
  startedAt: number;
  capacityKwh: number;
  capacityTrusted: boolean;
  /** The session's output so far; it never decreases during a charge. */
  displaySoc: number;
  method: Method;
  targetSoc: number | null;
  /** Net energy since the last (re-)anchor. */
  energyKwh: number;
  sessionStartSoc: number;
  /** Net energy since the session started; re-anchors do not reset it. */
  sessionNetKwh: number;
  /** Energy before the auxiliary deduction since the session started. */
  sessionGrossKwh: number;
  lastPowerKw: number;
  lastAuxKw: number;
  /** Time of the last integration step; null until the first power reading. */
  lastEnergyAt: number | null;
  /** Last non-zero AC voltage and current: they key the efficiency matrix. */
  lastVoltage: number | null;
  lastCurrent: number | null;
  phases: number;
  phasesSource: PhasesSource;
  /** The power in use is BMW's PWR, not V×I, so the heartbeat replays it instead of recomputing V×I. */
  powerIsReported: boolean;
  /** BMW reported zero current or power for this plug-in: the heartbeat replays zero until a live reading. */
  powerStopped: boolean;
  probe: PhaseProbe | null;
  votes: number;
  /** Gross energy integrated when the phase count last changed; null when it never changed. */
  phasesChangedGrossKwh: number | null;
  localPowerSeen: boolean;
  /** Energy went uncounted since the inference window opened (capped gap or clock jump). */
  windowUncounted: boolean;
  /** Energy went uncounted at some point in the session: its total is a lower bound, useless to learn from. */
  energyUncounted: boolean;
  /** The session came back from a snapshot. */
  restored: boolean;
  socMark: SocMark | null;
  /** The last BMW SOC (header or displayed) known to the session, to tell a step of BMW's value from a repeat. */
  bmwSocSeen: number | null;
  /**
   * The first and the latest moment BMW's whole-percent SOC was seen stepping up during the charge, with the net
   * energy integrated at that moment (BMW's timestamp). Two such crossings are an exact number of points apart
   * whether BMW rounds or floors, so learning measures the efficiency between them.
   */
  firstCrossing: SocMark | null;
  lastCrossing: SocMark | null;
  /**
   * The smallest rise between two consecutive crossings of this charge: BMW streams the SOC while charging when it
   * has moved this many points (some cars every point, others every 2–4). Null until two crossings were seen.
   */
  socStep: number | null;
  /** The anchor is a step's crossing (N − 0.25, a quarter point from the truth), not a value BMW held. */
  anchoredOnCrossing: boolean;
  /** BMW's timestamp of the last DC power reading; SOC steps after it may replace that power (see rateMark). */
  lastDcPowerAt: number | null;
  /** DC: the SOC crossing where the current SOC-step rate window starts. */
  rateMark: SocMark | null;
  /** DC: the power in use comes from BMW's SOC steps, not from a reading; the heartbeat replays it. */
  powerFromSoc: boolean;
  /** Some of the session's energy was counted at SOC-derived power: learning from it would return the η it used. */
  energyFromSoc: boolean;
  /** Gross energy (kWh) counted at each AC current (A, as BMW gave it): the session's dominant current keys it. */
  energyByAmps: Record<string, number>;
}

/** A finished session waiting for BMW's SOC after the charge to learn from. */
export interface PendingSession {
  /** Car time the charge ended. */
  endedAt: number;
  startSoc: number;
  energyKwh: number;
  method: Method;
  capacityKwh: number;
  condition: string;
}

export interface ChargingState {
  descriptors: DescriptorStore;
  charging: boolean;
  /** Method from METH, kept until the charge ends. */
  method: Method | null;
  /** The last output while charging, and the passthrough value when not. */
  lastPredicted: number | null;
  /** Car time the current charge started; kept when anchoring has to wait for a SOC or capacity. */
  chargeStartedAt: number | null;
  session: ChargingSession | null;
  pending: PendingSession | null;
  lastLocalPowerAt: number | null;
  phasePollDueAt: number | null;
  lastPhasePollAt: number | null;
  chargeEndAsked: boolean;
  lastChargeEndPollAt: number | null;
}

export function emptyState(): ChargingState {
  return {
    descriptors: {},
    charging: false,
    method: null,
    lastPredicted: null,
    chargeStartedAt: null,
    session: null,
    pending: null,
    lastLocalPowerAt: null,
    phasePollDueAt: null,
    lastPhasePollAt: null,
    chargeEndAsked: false,
    lastChargeEndPollAt: null,
  };
}

/** A reading's time: the car's timestamp when it has one, else when it reached us. */
export function readingTime(reading: StoredReading): number {
  return reading.measuredAt ?? reading.receivedAt;
}

export function numberOf(reading: StoredReading | undefined): number | null {
  return reading !== undefined && typeof reading.value === 'number' && Number.isFinite(reading.value)
    ? reading.value
    : null;
}
