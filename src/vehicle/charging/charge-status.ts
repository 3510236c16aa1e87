/** Reading BMW's charging enums: status, method, phase count, plug state (reference §2.1, §2.2, §2.5.2). */
import type { Method } from './state';

// BMW documents CHARGINGACTIVE; the other spellings come from older firmware and other brands' gateways.
const ACTIVE_STATES = new Set(['CHARGINGACTIVE', 'CHARGING_ACTIVE', 'CHARGING', 'CHARGING_IN_PROGRESS']);

/** True only for an active charging state; paused, ended, waiting, error and unknown values all mean "not charging". */
export function isChargingStatus(value: unknown): boolean {
  return typeof value === 'string' && ACTIVE_STATES.has(value.trim().toUpperCase());
}

/**
 * `DC_…` → DC, `AC_TYPE2PLUG`… → AC, anything else (`NOCHARGING`) → null: BMW sends NOCHARGING with the end of a
 * charge, and the reference's "anything else is AC" turned an ending DC session into an AC one before it learned.
 */
export function methodOf(value: unknown): Method | null {
  const text = String(value).toUpperCase();
  if (text.includes('DC')) return 'DC';
  return text.includes('AC') ? 'AC' : null;
}

/**
 * `3-PHASES` → 3, `"3"` or 3 → 3; `NO_CHARGING`, `INVALID`, empty → null. A count of 0 is null too: a zero-phase
 * AC condition would collide with the DC sentinel (phases 0) in the efficiency matrix.
 */
export function parsePhases(value: unknown): number | null {
  let count: number | null = null;
  if (typeof value === 'number') {
    count = value;
  } else if (typeof value === 'string') {
    const text = value.trim().toUpperCase();
    if (text.includes('-PHASES')) {
      const match = /^(\d+)/.exec(text);
      count = match ? Number(match[1]) : null;
    } else if (/^\d+(\.\d+)?$/.test(text)) {
      count = Number(text);
    }
  }
  if (count === null || !Number.isFinite(count)) return null;
  const whole = Math.trunc(count);
  return whole >= 1 ? whole : null;
}

/** Charge port / plug values that mean a cable is in: `CONNECTED…`, true, `PLUGGED`, 1. */
export function isPluggedValue(value: unknown): boolean {
  if (value === true || value === 1) return true;
  if (typeof value !== 'string') return false;
  const text = value.trim().toUpperCase();
  return text.startsWith('CONNECT') || text === 'TRUE' || text === 'ASN_ISTRUE' || text === 'PLUGGED' || text === '1';
}
