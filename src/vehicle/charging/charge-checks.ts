/**
 * The two API-poll helpers of reference §2.11. BMW sometimes never streams a charge's end or its phase count; a node
 * that may call the REST API can ask for them. Both are rate-limited per VIN.
 */
import { CHARGE_END_POLL_COOLDOWN_MS, PHASE_POLL_COOLDOWN_MS, PHASE_POLL_DELAY_MS } from './constants';
import { STAT, TREM } from './descriptors';
import type { ChargingEvent } from './events';
import { phaseCountForCharge } from './phase-validity';
import { numberOf, type ChargingState } from './state';

export type ChargeEndReason = 'time_remaining_elapsed' | 'ceiling_reached';

/** At a charge start: a phase-count poll 60 s later unless BMW already reported a count for this charge. */
export function schedulePhasePoll(state: ChargingState, now: number): void {
  state.phasePollDueAt = phaseCountForCharge(state.descriptors).valid === null ? now + PHASE_POLL_DELAY_MS : null;
}

/** When the poll is due and the AC charge still has no phase count: say so, and ask (at most once an hour). */
export function checkPhasePoll(state: ChargingState, now: number): ChargingEvent[] {
  const due = state.phasePollDueAt;
  if (due === null || now < due) return [];
  state.phasePollDueAt = null;
  const method = state.session?.method ?? state.method ?? 'AC';
  if (!state.charging || method === 'DC' || phaseCountForCharge(state.descriptors).valid !== null) return [];
  const events: ChargingEvent[] = [{ type: 'phase_count_missing', at: now }];
  if (state.lastPhasePollAt === null || now - state.lastPhasePollAt >= PHASE_POLL_COOLDOWN_MS) {
    state.lastPhasePollAt = now;
    events.push({ type: 'poll_requested', at: now, reason: 'phase_count' });
  }
  return events;
}

/**
 * BMW still says charging, but its own remaining time (stamped after the charge started) has run out, or the session
 * reached its ceiling (the target, else 100 %).
 */
export function chargeShouldHaveEnded(state: ChargingState, now: number): ChargeEndReason | null {
  const session = state.session;
  if (!state.charging || !session) return null;
  const trem = state.descriptors[TREM];
  const minutes = numberOf(trem);
  const statAt = state.descriptors[STAT]?.measuredAt ?? null;
  if (trem && minutes !== null && trem.measuredAt !== null && statAt !== null && trem.measuredAt >= statAt) {
    if (now >= trem.measuredAt + minutes * 60_000) return 'time_remaining_elapsed';
  }
  return session.displaySoc >= (session.targetSoc ?? 100) ? 'ceiling_reached' : null;
}

/** Once per charge, at most once an hour per VIN. */
export function checkChargeEnd(state: ChargingState, now: number): ChargingEvent[] {
  if (state.chargeEndAsked) return [];
  const last = state.lastChargeEndPollAt;
  if (last !== null && now - last < CHARGE_END_POLL_COOLDOWN_MS) return [];
  const reason = chargeShouldHaveEnded(state, now);
  if (reason === null) return [];
  state.chargeEndAsked = true;
  state.lastChargeEndPollAt = now;
  return [
    { type: 'charge_should_have_ended', at: now, reason },
    { type: 'poll_requested', at: now, reason: 'charge_end_check' },
  ];
}
