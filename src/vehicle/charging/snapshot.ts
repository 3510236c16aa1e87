/**
 * Persisting the per-VIN charging state. The state is plain data, so a snapshot is a copy of it; restoring checks
 * every field, because the file may come from an older version or a crash, and a bad file must cost a session,
 * never the node. The efficiency matrix is persisted on its own (EfficiencyMatrix.toJSON).
 */
import { CHARGING_DESCRIPTORS } from './descriptors';
import {
  emptyState,
  type ChargingSession,
  type ChargingState,
  type DescriptorStore,
  type Method,
  type PendingSession,
  type PhasesSource,
  type SocMark,
  type StoredReading,
} from './state';
import { isRecord } from '../json';

export const SNAPSHOT_VERSION = 1;

export interface ChargingSnapshot {
  version: typeof SNAPSHOT_VERSION;
  state: ChargingState;
}

export function takeSnapshot(state: ChargingState): ChargingSnapshot {
  return { version: SNAPSHOT_VERSION, state: structuredClone(state) };
}

type Raw = Record<string, unknown>;

function num(raw: Raw, key: string): number | null {
  const value = raw[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function bool(raw: Raw, key: string, fallback: boolean): boolean {
  const value = raw[key];
  return typeof value === 'boolean' ? value : fallback;
}

function method(value: unknown): Method | null {
  return value === 'AC' || value === 'DC' ? value : null;
}

const PHASES_SOURCES: readonly PhasesSource[] = ['assumed', 'reported', 'derived', 'carried'];

function phasesSource(value: unknown, phases: number): PhasesSource {
  const found = PHASES_SOURCES.find((s) => s === value);
  // The integration's rule for stores without the field: a count above one must have come from BMW.
  return found ?? (phases > 1 ? 'reported' : 'assumed');
}

function parseDescriptors(raw: unknown): DescriptorStore {
  const store: DescriptorStore = {};
  if (!isRecord(raw)) return store;
  for (const [descriptor, entry] of Object.entries(raw)) {
    if (!CHARGING_DESCRIPTORS.has(descriptor) || !isRecord(entry)) continue;
    const value = entry.value;
    const receivedAt = num(entry, 'receivedAt');
    if (
      receivedAt === null ||
      !(
        typeof value === 'string' ||
        typeof value === 'boolean' ||
        (typeof value === 'number' && Number.isFinite(value))
      )
    ) {
      continue;
    }
    const reading: StoredReading = {
      value,
      unit: typeof entry.unit === 'string' ? entry.unit : null,
      measuredAt: num(entry, 'measuredAt'),
      receivedAt,
    };
    store[descriptor] = reading;
  }
  return store;
}

function parseMark(raw: unknown): SocMark | null {
  if (!isRecord(raw)) return null;
  const soc = num(raw, 'soc');
  const at = num(raw, 'at');
  const netKwh = num(raw, 'netKwh');
  return soc !== null && at !== null && netKwh !== null ? { soc, at, netKwh } : null;
}

function parseEnergyByAmps(raw: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (!isRecord(raw)) return out;
  for (const [amps, kwh] of Object.entries(raw)) {
    if (Number.isFinite(Number(amps)) && typeof kwh === 'number' && Number.isFinite(kwh) && kwh > 0) out[amps] = kwh;
  }
  return out;
}

function parseSession(raw: unknown): ChargingSession | null {
  if (!isRecord(raw)) return null;
  const anchorSoc = num(raw, 'anchorSoc');
  const anchorAt = num(raw, 'anchorAt');
  const capacityKwh = num(raw, 'capacityKwh');
  const displaySoc = num(raw, 'displaySoc');
  const sessionMethod = method(raw.method);
  if (anchorSoc === null || anchorAt === null || capacityKwh === null || displaySoc === null || !sessionMethod) {
    return null;
  }
  const phases = Math.max(1, Math.trunc(num(raw, 'phases') ?? 1));
  const probe = isRecord(raw.probe) ? raw.probe : null;
  const probeSoc = probe ? num(probe, 'soc') : null;
  const probeNet = probe ? num(probe, 'netKwh') : null;
  const probeGross = probe ? num(probe, 'grossKwh') : null;
  return {
    anchorSoc,
    anchorAt,
    startedAt: num(raw, 'startedAt') ?? anchorAt,
    capacityKwh,
    capacityTrusted: bool(raw, 'capacityTrusted', true),
    displaySoc,
    method: sessionMethod,
    targetSoc: num(raw, 'targetSoc'),
    energyKwh: num(raw, 'energyKwh') ?? 0,
    sessionStartSoc: num(raw, 'sessionStartSoc') ?? anchorSoc,
    sessionNetKwh: num(raw, 'sessionNetKwh') ?? 0,
    sessionGrossKwh: num(raw, 'sessionGrossKwh') ?? 0,
    lastPowerKw: num(raw, 'lastPowerKw') ?? 0,
    lastAuxKw: num(raw, 'lastAuxKw') ?? 0,
    lastEnergyAt: num(raw, 'lastEnergyAt'),
    lastVoltage: num(raw, 'lastVoltage'),
    lastCurrent: num(raw, 'lastCurrent'),
    phases,
    phasesSource: phasesSource(raw.phasesSource, phases),
    powerIsReported: bool(raw, 'powerIsReported', false),
    powerStopped: bool(raw, 'powerStopped', false),
    probe:
      probeSoc !== null && probeNet !== null && probeGross !== null
        ? { soc: probeSoc, netKwh: probeNet, grossKwh: probeGross }
        : null,
    votes: Math.max(0, Math.trunc(num(raw, 'votes') ?? 0)),
    phasesChangedGrossKwh: num(raw, 'phasesChangedGrossKwh'),
    localPowerSeen: bool(raw, 'localPowerSeen', false),
    windowUncounted: bool(raw, 'windowUncounted', false),
    energyUncounted: bool(raw, 'energyUncounted', false),
    restored: true,
    socMark: parseMark(raw.socMark),
    bmwSocSeen: num(raw, 'bmwSocSeen'),
    firstCrossing: parseMark(raw.firstCrossing),
    lastCrossing: parseMark(raw.lastCrossing),
    energyByAmps: parseEnergyByAmps(raw.energyByAmps),
    lastDcPowerAt: num(raw, 'lastDcPowerAt'),
    rateMark: parseMark(raw.rateMark),
    socStep: num(raw, 'socStep'),
    anchoredOnCrossing: bool(raw, 'anchoredOnCrossing', false),
    powerFromSoc: bool(raw, 'powerFromSoc', false),
    energyFromSoc: bool(raw, 'energyFromSoc', false),
  };
}

function parsePending(raw: unknown): PendingSession | null {
  if (!isRecord(raw)) return null;
  const endedAt = num(raw, 'endedAt');
  const startSoc = num(raw, 'startSoc');
  const energyKwh = num(raw, 'energyKwh');
  const capacityKwh = num(raw, 'capacityKwh');
  const pendingMethod = method(raw.method);
  const condition = typeof raw.condition === 'string' ? raw.condition : null;
  if (endedAt === null || startSoc === null || energyKwh === null || capacityKwh === null || !pendingMethod)
    return null;
  if (condition === null) return null;
  return { endedAt, startSoc, energyKwh, method: pendingMethod, capacityKwh, condition };
}

/**
 * A snapshot back to state, or null when it is not one of ours. A restored session is flagged `restored`; the first
 * integration after the restart credits the downtime at the last power up to the 10-minute gap cap, and a longer
 * downtime marks the session's energy as uncounted.
 */
export function restoreSnapshot(data: unknown): ChargingState | null {
  if (!isRecord(data) || data.version !== SNAPSHOT_VERSION || !isRecord(data.state)) return null;
  const raw = data.state;
  const state = emptyState();
  state.descriptors = parseDescriptors(raw.descriptors);
  state.charging = bool(raw, 'charging', false);
  state.method = method(raw.method);
  state.lastPredicted = num(raw, 'lastPredicted');
  state.chargeStartedAt = num(raw, 'chargeStartedAt');
  state.session = state.charging ? parseSession(raw.session) : null;
  state.pending = parsePending(raw.pending);
  state.lastLocalPowerAt = num(raw, 'lastLocalPowerAt');
  state.phasePollDueAt = num(raw, 'phasePollDueAt');
  state.lastPhasePollAt = num(raw, 'lastPhasePollAt');
  state.chargeEndAsked = bool(raw, 'chargeEndAsked', false);
  state.lastChargeEndPollAt = num(raw, 'lastChargeEndPollAt');
  return state;
}
