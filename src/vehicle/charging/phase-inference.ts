/**
 * AC phase-count inference (reference §2.10): BMW often never reports a phase count, and assuming one phase on a
 * three-phase wallbox makes the prediction rise a third as fast as the car. When BMW's SOC rises 2.5–4.5× faster
 * than one phase can explain, twice in a row, the session switches to three phases; when our own guess later looks
 * ≤ 1.5× too generous it is withdrawn at once. Two phases (≈2×) stay at one: understated rather than tripled.
 */
import { phaseMultiplier } from './ac-power';
import {
  INFERENCE_CEILING_MARGIN,
  INFERENCE_MIN_GAIN,
  INFERENCE_RAISE_MAX,
  INFERENCE_RAISE_MIN,
  INFERENCE_REFERENCE_EFFICIENCY,
  INFERENCE_VOTES,
  INFERENCE_WITHDRAW_MAX,
  LINE_TO_LINE_VOLTS,
} from './constants';
import type { ChargingSession } from './state';

export interface InferenceContext {
  charging: boolean;
  phev: boolean;
}

export type InferenceOutcome = 'raised' | 'withdrawn' | null;

function openWindow(session: ChargingSession, soc: number): void {
  session.probe = { soc, netKwh: session.sessionNetKwh, grossKwh: session.sessionGrossKwh };
  session.windowUncounted = false;
}

function applicable(session: ChargingSession, soc: number, context: InferenceContext): boolean {
  const ceiling = session.targetSoc !== null && session.targetSoc !== 0 ? session.targetSoc : 100;
  return (
    context.charging &&
    !context.phev &&
    session.method === 'AC' &&
    session.capacityKwh > 0 &&
    session.capacityTrusted &&
    session.lastVoltage !== null &&
    session.lastVoltage < LINE_TO_LINE_VOLTS &&
    // A meter reading is the true power; nothing to infer, and its numbers would skew the vote.
    !session.localPowerSeen &&
    // Near the ceiling the car tapers; the SOC rise no longer reflects the wallbox.
    soc < ceiling - INFERENCE_CEILING_MARGIN
  );
}

/** Feed one fresh BMW header SOC; returns what changed. A withdrawal also re-anchors the session on this SOC. */
export function inferPhases(
  session: ChargingSession,
  soc: number,
  context: InferenceContext,
  now: number,
): InferenceOutcome {
  if (!applicable(session, soc, context)) return null;
  const probe = session.probe;
  if (probe === null) {
    if (session.sessionGrossKwh > 0) openWindow(session, soc);
    return null;
  }
  if (session.windowUncounted) {
    session.votes = 0;
    openWindow(session, soc);
    return null;
  }
  const gain = soc - probe.soc;
  const gross = session.sessionGrossKwh - probe.grossKwh;
  if (gain < INFERENCE_MIN_GAIN || gross <= 0) return null;

  const aux = Math.max(gross - (session.sessionNetKwh - probe.netKwh), 0);
  const stored = (gain / 100) * session.capacityKwh;
  const voltage = session.lastVoltage ?? 0;
  const needed = (phaseMultiplier(session.phases, voltage) * (stored / INFERENCE_REFERENCE_EFFICIENCY + aux)) / gross;

  const derivable = session.phasesSource === 'assumed' && session.phases <= 1;
  const tooLow = needed >= INFERENCE_RAISE_MIN && needed <= INFERENCE_RAISE_MAX;
  const ours = session.phasesSource === 'derived' || session.phasesSource === 'carried';
  const tooHigh = ours && needed <= INFERENCE_WITHDRAW_MAX;
  if (!(derivable && tooLow) && !tooHigh) {
    session.votes = 0;
    openWindow(session, soc);
    return null;
  }
  session.votes += 1;
  openWindow(session, soc);
  if (!tooHigh && session.votes < INFERENCE_VOTES) return null;

  session.votes = 0;
  session.phasesChangedGrossKwh = session.sessionGrossKwh;
  if (tooHigh) {
    session.phases = 1;
    session.phasesSource = 'assumed';
    session.anchorSoc = soc;
    session.displaySoc = soc;
    session.energyKwh = 0;
    session.lastEnergyAt = now;
    session.anchoredOnCrossing = false;
    return 'withdrawn';
  }
  session.phases = 3;
  session.phasesSource = 'derived';
  return 'raised';
}
