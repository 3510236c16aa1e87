/**
 * The per-VIN charging engine: BMW readings in; predicted SOC, learning and events out. Pure: no timers, no I/O, no
 * clock — every call takes `now` (epoch ms), so the node, replay and the tests run the same code.
 *
 * Call `ingest` for every BMW message, `heartbeat` every 30 s, `meterPower` for an external meter reading, and
 * `evaluate` whenever the current value is wanted. Evaluating moves the session's ratchet (the displayed value never
 * decreases during a charge), so the engine evaluates after every input itself and `evaluate` at the same instant
 * again returns the same value.
 */
import type { Reading } from '../readings';
import { applyBmwSoc, isFreshForSession, latestBmwSoc, resolvedBmwSoc, sessionSocFloor } from './bmw-soc';
import {
  chargeShouldHaveEnded,
  checkChargeEnd,
  checkPhasePoll,
  schedulePhasePoll,
  type ChargeEndReason,
} from './charge-checks';
import { isChargingStatus, methodOf } from './charge-status';
import { LOCAL_POWER_TTL_MS } from './constants';
import {
  AMP,
  BSM,
  CHARGING_DESCRIPTORS,
  DISP,
  FUEL,
  FUELLVL,
  HDR,
  LVL,
  MAXE,
  METH,
  PH,
  PWR,
  STAT,
  TGT,
  VOLT,
} from './descriptors';
import { EfficiencyMatrix, type EfficiencyLookup, type ResetScope } from './efficiency-matrix';
import { accumulate, extrapolatedNetKwh, flush } from './energy';
import type { ChargingEvent, LearningRejection } from './events';
import { endOfCharge, measureEfficiency, noteBmwSoc, pendingVerdict, settledSoc } from './learning';
import { inferPhases } from './phase-inference';
import { chooseAcPower } from './power-selection';
import { applyAcDecision, dcPowerFromSteps, feedDcPower, replayPower } from './power-feed';
import { detectPowertrain, type Powertrain, type VehicleMetadata } from './powertrain';
import {
  chargingPrediction,
  modelSoc,
  nextStepCap,
  passthroughPrediction,
  sessionCeiling,
  type BmwSocAttributes,
  type Prediction,
} from './prediction';
import { anchorOnCrossing, createSession, reanchor } from './session';
import { restoreSnapshot, takeSnapshot, type ChargingSnapshot } from './snapshot';
import {
  emptyState,
  numberOf,
  readingTime,
  type ChargingSession,
  type ChargingState,
  type StoredReading,
} from './state';

export interface ChargingEngineOptions {
  /** Manual battery capacity (kWh); unset or 0 uses BMW's maxEnergy, else batterySizeMax. */
  capacityKwh?: number | null;
  /** Overrides the BEV/PHEV detection. */
  powertrain?: Powertrain | null;
  /** Model name as basicData gives it (`i4 eDrive40`); helps tell a BEV from a PHEV. */
  model?: string | null;
  /** Further basicData fields (driveTrain, propulsionType, series). */
  metadata?: VehicleMetadata;
}

/** Used only for keys and lookups while a VIN has learned nothing; never written to. */
const NO_LEARNING = new EfficiencyMatrix();

const POWER_DESCRIPTORS = [VOLT, AMP, PH, PWR];

function numberOrNull(reading: StoredReading | null): number | null {
  return reading ? numberOf(reading) : null;
}

function positive(value: number | null): number | null {
  return value !== null && value > 0 ? value : null;
}

export class ChargingEngine {
  private options: ChargingEngineOptions;
  private learned: EfficiencyMatrix | null;
  private readonly state: ChargingState;

  /**
   * @param learned the VIN's efficiency matrix, shared with the reset-learning node; created on the first sample
   * when absent.
   * @param snapshot what `snapshot()` returned before a restart; anything unreadable starts afresh.
   */
  constructor(options: ChargingEngineOptions = {}, learned?: EfficiencyMatrix | null, snapshot?: unknown) {
    this.options = { ...options };
    this.learned = learned ?? null;
    this.state = (snapshot !== undefined ? restoreSnapshot(snapshot) : null) ?? emptyState();
  }

  /** Change the manual capacity, powertrain override or metadata; a new capacity applies from the next anchor. */
  setOptions(options: ChargingEngineOptions): void {
    this.options = { ...options };
  }

  /** The VIN's efficiency matrix, or null while it has learned nothing; persist it with `toJSON()`. */
  get matrix(): EfficiencyMatrix | null {
    return this.learned;
  }

  get charging(): boolean {
    return this.state.charging;
  }

  get session(): Readonly<ChargingSession> | null {
    return this.state.session;
  }

  /** BEV or PHEV: the override, else detected from fuel descriptors and metadata; null before any SOC. */
  get powertrain(): Powertrain | null {
    if (this.options.powertrain) return this.options.powertrain;
    const store = this.state.descriptors;
    return detectPowertrain({
      hasSoc: store[HDR] !== undefined || store[DISP] !== undefined,
      hasFuel: store[FUEL] !== undefined || store[FUELLVL] !== undefined,
      metadata: { ...this.options.metadata, modelName: this.options.model ?? this.options.metadata?.modelName },
    });
  }

  /** The whole per-VIN state as plain JSON-safe data; pass it to the constructor after a restart. */
  snapshot(): ChargingSnapshot {
    return takeSnapshot(this.state);
  }

  /** Reset AC, DC or all learning (reference §3.7). False when the VIN has never learned anything. */
  reset(scope: ResetScope): boolean {
    if (!this.learned) return false;
    this.learned.reset(scope);
    return true;
  }

  /**
   * One BMW message's readings. Every reading is stored first, then the message is handled in a fixed order, so the
   * outcome does not depend on the order of descriptors inside the message (the reference acts in payload order,
   * §0.4, EL-03). A SOC that comes with a charge start or end describes the car at that boundary, outside the
   * charge: it is applied before a start and after an end.
   */
  ingest(readings: readonly Reading[], now: number): ChargingEvent[] {
    const events: ChargingEvent[] = [];
    const present = this.store(readings, now);
    const session = this.state.session;
    const meth = present.get(METH);
    const method = meth ? methodOf(meth.value) : null;
    if (method) {
      this.state.method = method;
      if (session) session.method = method;
    }
    // The reference reads the target once, at anchoring (§12.1 #7); a target changed in the app mid-charge applies.
    const target = numberOf(present.get(TGT));
    if (session && target !== null) session.targetSoc = target;

    const stat = present.get(STAT);
    const hasPower = POWER_DESCRIPTORS.some((d) => present.has(d));
    if (stat && isChargingStatus(stat.value) && !this.state.charging) {
      this.applySocs(present, now, events);
      this.startCharge(stat, now, events);
    } else if (stat && !isChargingStatus(stat.value) && this.state.charging) {
      if (hasPower) this.applyPower(present, now);
      this.endCharge(stat, now, events);
      this.applySocs(present, now, events);
    } else {
      if (hasPower) this.applyPower(present, now);
      this.applySocs(present, now, events);
    }
    if (this.state.charging && !this.state.session) this.tryAnchor(now);
    events.push(...checkPhasePoll(this.state, now));
    this.evaluate(now);
    return events;
  }

  /** The 30-second tick: replay AC power, evaluate, and check for a missing phase count or a charge that should end. */
  heartbeat(now: number): ChargingEvent[] {
    if (this.state.charging && !this.state.session) this.tryAnchor(now);
    const session = this.state.session;
    if (this.state.charging && session && !this.localPowerActive(now)) replayPower(session, now);
    this.evaluate(now);
    return [...checkPhasePoll(this.state, now), ...checkChargeEnd(this.state, now)];
  }

  /**
   * An external meter's power (kW ≥ 0) and the auxiliary load to deduct from it (0 when the meter measures what
   * reaches the car). For two minutes after it BMW's own power figures are ignored: the meter is the better measure.
   */
  meterPower(kw: number, auxKw: number, now: number): ChargingEvent[] {
    this.state.lastLocalPowerAt = now;
    const session = this.state.session;
    if (this.state.charging && session && Number.isFinite(kw)) {
      session.localPowerSeen = true;
      session.powerStopped = false;
      accumulate(session, Math.max(kw, 0), Number.isFinite(auxKw) ? Math.max(auxKw, 0) : 0, now);
    }
    this.evaluate(now);
    return [];
  }

  /** The prediction now (reference §2.8), or null when there is no basis yet (no BMW SOC ever). */
  evaluate(now: number): Prediction | null {
    const session = this.state.session;
    if (!this.state.charging || !session) return this.passthrough(now);
    const lookup = this.lookup(session);
    const resolved = resolvedBmwSoc(this.state);
    const bmw = resolved === null ? null : sessionSocFloor(session, resolved);
    if (session.energyKwh === 0 && (session.lastPowerKw <= 0 || session.lastEnergyAt === null)) {
      if (bmw !== null && bmw > session.displaySoc) {
        session.anchorSoc = bmw;
        session.displaySoc = bmw;
        session.anchoredOnCrossing = false;
      }
    } else if (session.capacityKwh > 0) {
      const model = Math.min(modelSoc(session, lookup.efficiency, now), nextStepCap(session) ?? Infinity);
      const raw = Math.min(Math.max(model, session.displaySoc), sessionCeiling(session));
      if (bmw !== null && bmw > raw) {
        // BMW is ahead of the model: take its value. The energy since the last reading is flushed first so the
        // session total (what learning uses) keeps it; the reference drops that slice here.
        reanchor(session, bmw, now, false);
      } else {
        session.displaySoc = raw;
      }
    }
    this.state.lastPredicted = session.displaySoc;
    return chargingPrediction(session, lookup, this.bmwAttributes(now), now);
  }

  /** Whether BMW should have reported the end of this charge by now (reference §2.11); null while it should not. */
  chargeShouldHaveEnded(now: number): ChargeEndReason | null {
    return chargeShouldHaveEnded(this.state, now);
  }

  private store(readings: readonly Reading[], now: number): Map<string, StoredReading> {
    const present = new Map<string, StoredReading>();
    for (const reading of readings) {
      if (reading.value === null || !CHARGING_DESCRIPTORS.has(reading.descriptor)) continue;
      const previous = this.state.descriptors[reading.descriptor];
      // An API poll can re-deliver a value older than one the stream already gave; it must not replace it.
      if (previous?.measuredAt != null && reading.measuredAt !== null && reading.measuredAt < previous.measuredAt) {
        continue;
      }
      const stored: StoredReading = {
        value: reading.value,
        // BMW omits the unit on some messages; the last one it gave still applies.
        unit: reading.unit ?? previous?.unit ?? null,
        measuredAt: reading.measuredAt,
        receivedAt: now,
      };
      this.state.descriptors[reading.descriptor] = stored;
      present.set(reading.descriptor, stored);
    }
    return present;
  }

  private get phev(): boolean {
    return this.powertrain === 'PHEV';
  }

  private get matrixInUse(): EfficiencyMatrix {
    return this.learned ?? NO_LEARNING;
  }

  private lookup(session: ChargingSession): EfficiencyLookup {
    return this.matrixInUse.lookup(session.method, session.phases, session.lastVoltage, this.conditionCurrent(session));
  }

  /** The current that keys the session's condition: the one that carried most of its energy, else the last one. */
  private conditionCurrent(session: ChargingSession): number | null {
    return this.matrixInUse.dominantCurrent(session.energyByAmps) ?? session.lastCurrent;
  }

  private localPowerActive(now: number): boolean {
    const at = this.state.lastLocalPowerAt;
    return at !== null && now >= at && now - at <= LOCAL_POWER_TTL_MS;
  }

  private startCharge(stat: StoredReading, now: number, events: ChargingEvent[]): void {
    this.state.charging = true;
    this.state.chargeStartedAt = stat.measuredAt ?? now;
    this.state.chargeEndAsked = false;
    schedulePhasePoll(this.state, now);
    this.tryAnchor(now);
    events.push({ type: 'charge_started', at: now, anchorSoc: this.state.session?.anchorSoc ?? null });
  }

  /**
   * Anchor the session on BMW's SOC (reference §2.3, §2.4); waits for a later message when there is no SOC or no
   * capacity yet. The last prediction wins when higher: it includes charging BMW has not reported yet.
   */
  private tryAnchor(now: number): void {
    const store = this.state.descriptors;
    const soc = numberOf(store[HDR]) ?? numberOf(store[DISP]) ?? this.state.lastPredicted;
    if (soc === null) return;
    const reported = positive(numberOf(store[MAXE])) ?? positive(numberOf(store[BSM]));
    const capacity = positive(this.options.capacityKwh ?? null) ?? reported;
    if (capacity === null) return;
    const session = createSession({
      soc: Math.max(soc, this.state.lastPredicted ?? 0),
      capacityKwh: capacity,
      reportedCapacityKwh: reported,
      method: this.state.method ?? 'AC',
      targetSoc: numberOf(store[TGT]),
      startedAt: this.state.chargeStartedAt ?? now,
      now,
      bmwSoc: numberOrNull(latestBmwSoc(this.state)),
    });
    this.state.session = session;
    if (session.method === 'DC') {
      const pwr = store[PWR];
      if (pwr && !this.localPowerActive(now)) feedDcPower(session, pwr, now);
    } else {
      this.applyAcPower(session, now);
    }
  }

  private applyPower(present: Map<string, StoredReading>, now: number): void {
    const session = this.state.session;
    if (!this.state.charging || !session) return;
    if (session.method === 'DC') {
      const pwr = present.get(PWR);
      if (pwr && !this.localPowerActive(now)) feedDcPower(session, pwr, now);
      return;
    }
    this.applyAcPower(session, now);
  }

  private applyAcPower(session: ChargingSession, now: number): void {
    if (this.localPowerActive(now)) return;
    applyAcDecision(session, chooseAcPower(this.state.descriptors, session), now);
  }

  /** Header, then displayed, then level: a fixed order, whatever order BMW put them in. */
  private applySocs(present: Map<string, StoredReading>, now: number, events: ChargingEvent[]): void {
    const hdr = present.get(HDR);
    const disp = present.get(DISP);
    const lvl = present.get(LVL);
    if (hdr) this.onBmwSoc(hdr, true, now, events);
    if (disp) this.onBmwSoc(disp, false, now, events, hdr !== undefined);
    if (lvl) this.onLevel(lvl, now);
  }

  /** A header or displayed SOC (reference §2.9.2); `keepMark` when a header of the same message already marked. */
  private onBmwSoc(
    reading: StoredReading,
    header: boolean,
    now: number,
    events: ChargingEvent[],
    keepMark = false,
  ): void {
    const soc = numberOf(reading);
    if (soc === null) return;
    const session = this.state.session;
    if (!this.state.charging || !session) {
      applyBmwSoc(this.state, soc, false, this.phev, now);
      this.finalisePending(soc, reading, now, events);
      return;
    }
    if (!isFreshForSession(reading, session)) return;
    const level = this.state.descriptors[LVL];
    const previous = this.state.lastPredicted;
    // A PHEV's header can stay frozen at its pre-charge value while BMW's level moves on (§2.9.2).
    const frozen =
      this.phev &&
      level !== undefined &&
      numberOf(level) !== null &&
      isFreshForSession(level, session) &&
      previous !== null &&
      soc < previous;
    if (frozen) return;
    const crossing = noteBmwSoc(session, soc, readingTime(reading), now);
    if (header && inferPhases(session, soc, { charging: true, phev: this.phev }, now) === 'withdrawn') {
      this.state.lastPredicted = soc;
    }
    if (crossing) {
      const mayLower = this.phev && session.method !== 'DC';
      anchorOnCrossing(session, crossing, this.lookup(session).efficiency, now, mayLower);
      this.state.lastPredicted = session.displaySoc;
    } else {
      applyBmwSoc(this.state, sessionSocFloor(session, soc), false, this.phev, now);
    }
    if (crossing && session.method === 'DC' && !this.localPowerActive(now)) {
      dcPowerFromSteps(session, crossing, this.lookup(session).efficiency, now);
    }
    this.finalisePending(soc, reading, now, events);
    if (!keepMark && this.state.session === session) {
      session.socMark = {
        soc,
        at: readingTime(reading),
        netKwh: session.sessionNetKwh + extrapolatedNetKwh(session, now),
      };
    }
  }

  /** BMW's level is its own forecast: it may lift the prediction while charging, but never finishes a sample. */
  private onLevel(reading: StoredReading, now: number): void {
    const soc = numberOf(reading);
    const session = this.state.session;
    if (!this.state.charging || soc === null) return;
    if (session && !isFreshForSession(reading, session)) return;
    applyBmwSoc(this.state, soc, true, this.phev, now);
  }

  private finalisePending(soc: number, reading: StoredReading, now: number, events: ChargingEvent[]): void {
    const pending = this.state.pending;
    if (!pending) return;
    const verdict = pendingVerdict(pending, readingTime(reading));
    if (verdict === 'wait') return;
    this.state.pending = null;
    if (verdict === 'expired') {
      this.reject(events, now, pending.condition, 'end_soc_too_late', null);
      return;
    }
    this.learn(events, now, pending.condition, pending.startSoc, soc, pending.energyKwh, pending.capacityKwh);
  }

  private endCharge(stat: StoredReading, now: number, events: ChargingEvent[]): void {
    const session = this.state.session;
    const learning: ChargingEvent[] = [];
    if (session) {
      // Count the energy up to the end (the reference stops at the last reading) and let the ratchet see it.
      flush(session, now);
      this.evaluate(now);
      session.displaySoc = settledSoc(session, this.lookup(session).efficiency);
      this.state.lastPredicted = session.displaySoc;
      const condition = this.matrixInUse.keyFor(
        session.method,
        session.phases,
        session.lastVoltage,
        this.conditionCurrent(session),
      );
      const outcome = endOfCharge(session, this.state.descriptors, stat.measuredAt ?? now, condition);
      if (outcome.kind === 'reject') this.reject(learning, now, condition, outcome.reason, null);
      if (outcome.kind === 'pending') this.state.pending = outcome.pending;
      if (outcome.kind === 'learn') {
        const { startSoc, endSoc, energyKwh } = outcome;
        this.learn(learning, now, condition, startSoc, endSoc, energyKwh, session.capacityKwh);
      }
    }
    this.state.charging = false;
    this.state.session = null;
    this.state.method = null;
    this.state.chargeStartedAt = null;
    this.state.phasePollDueAt = null;
    events.push({ type: 'charge_ended', at: now, soc: this.state.lastPredicted }, ...learning);
    // BMW's SOC after the charge verifies the prediction and completes a pending sample.
    events.push({ type: 'poll_requested', at: now, reason: 'charge_ended' });
  }

  private learn(
    events: ChargingEvent[],
    now: number,
    condition: string,
    startSoc: number,
    endSoc: number,
    energyKwh: number,
    capacityKwh: number,
  ): void {
    const measurement = measureEfficiency(startSoc, endSoc, energyKwh, capacityKwh);
    if (!measurement.ok) {
      this.reject(events, now, condition, measurement.reason, measurement.efficiency);
      return;
    }
    this.learned ??= new EfficiencyMatrix();
    const outcome = this.learned.learn(condition, measurement.efficiency);
    if (!outcome.accepted) {
      this.reject(events, now, condition, 'outlier', measurement.efficiency);
      return;
    }
    events.push({
      type: 'learning_updated',
      at: now,
      condition,
      value: outcome.entry.efficiency,
      samples: outcome.entry.sample_count,
      measured: measurement.efficiency,
    });
  }

  private reject(
    events: ChargingEvent[],
    now: number,
    condition: string | null,
    reason: LearningRejection,
    measured: number | null,
  ): void {
    events.push({ type: 'learning_rejected', at: now, condition, reason, measured });
  }

  private bmwAttributes(now: number): BmwSocAttributes {
    const latest = latestBmwSoc(this.state);
    if (!latest) return { bmwSoc: null, secondsSinceBmwSoc: null };
    return { bmwSoc: numberOf(latest), secondsSinceBmwSoc: Math.max(0, (now - readingTime(latest)) / 1000) };
  }

  /** Not charging: our last value, else BMW's (§2.9.4). Charging with no session yet: BMW's may only raise it. */
  private passthrough(now: number): Prediction | null {
    const bmw = resolvedBmwSoc(this.state);
    const previous = this.state.lastPredicted;
    let soc = previous ?? bmw;
    if (this.state.charging && bmw !== null && (previous === null || bmw > previous)) {
      soc = bmw;
      this.state.lastPredicted = bmw;
    }
    if (soc === null) return null;
    const method = this.state.charging ? this.state.method : null;
    const target = numberOf(this.state.descriptors[TGT]);
    return passthroughPrediction(soc, this.state.charging, method, target, this.bmwAttributes(now), now);
  }
}
