/**
 * Fault switches for tests and the command line (`--fault name=value`) and the simulator's control endpoint
 * (`POST /sim/faults`). Counters named `...Next` are consumed one per affected request.
 */
export interface FaultSettings {
  /** While non-zero, every REST call answers this status (500 → CU-500, 503 → CU-503). */
  restStatus: number;
  /** The next N REST calls answer 500 CU-500. */
  restFailNext: number;
  /** Every REST answer is delayed this long (ms, on the wall clock): for client timeouts. */
  restDelayMs: number;
  /** The next N calls to the token endpoint answer 503 (a transient gateway error). */
  authFailNext: number;
  /** The next approved device-code poll answers BMW's 500 "keymanagement" gateway fault and burns the code (§9.2). */
  authGatewayFault: number;
  /** Every token endpoint answer is delayed this long (ms). */
  authDelayMs: number;
  /** The next N MQTT CONNECTs are refused with CONNACK 5 even with a valid id_token (§6.3, issue #443). */
  refuseConnects: number;
  /** Refuse every MQTT CONNECT while set. */
  refuseAllConnects: boolean;
  /** Refuse CONNECTs beyond this many per minute per GCID (0 = no limit), as BMW does against reconnect storms. */
  connectRateLimitPerMin: number;
  /** Refuse every subscription (SUBACK 0x80): connected but silent (§9.20). */
  refuseSubscriptions: boolean;
  /** Replace every Nth stream message with malformed JSON (0 = off). */
  malformedEvery: number;
  /** Replace every Nth stream message with an oversized one (0 = off). */
  oversizedEvery: number;
}

export const DEFAULT_FAULTS: FaultSettings = {
  restStatus: 0,
  restFailNext: 0,
  restDelayMs: 0,
  authFailNext: 0,
  authGatewayFault: 0,
  authDelayMs: 0,
  refuseConnects: 0,
  refuseAllConnects: false,
  connectRateLimitPerMin: 0,
  refuseSubscriptions: false,
  malformedEvery: 0,
  oversizedEvery: 0,
};

export type FaultName = keyof FaultSettings;

export class Faults {
  readonly settings: FaultSettings = { ...DEFAULT_FAULTS };

  /** Apply switches; unknown names or values of the wrong kind throw, so a typo never silently does nothing. */
  set(changes: Record<string, unknown>): FaultSettings {
    for (const [name, raw] of Object.entries(changes)) {
      if (!(name in DEFAULT_FAULTS)) {
        throw new Error(`unknown fault "${name}"; known: ${Object.keys(DEFAULT_FAULTS).join(', ')}`);
      }
      const key = name as FaultName;
      const current = DEFAULT_FAULTS[key];
      if (typeof current === 'boolean') {
        const text =
          typeof raw === 'boolean' || raw === undefined ? String(raw ?? true) : typeof raw === 'string' ? raw : '?';
        if (!['', 'true', 'false', '1', '0'].includes(text)) {
          throw new Error(`fault "${name}" takes true or false, got ${JSON.stringify(raw)}`);
        }
        (this.settings as unknown as Record<string, unknown>)[key] = text === '' || text === 'true' || text === '1';
      } else {
        const value = Number(raw);
        if (!Number.isFinite(value) || value < 0) {
          throw new Error(`fault "${name}" takes a number >= 0, got ${JSON.stringify(raw)}`);
        }
        (this.settings as unknown as Record<string, unknown>)[key] = value;
      }
    }
    return { ...this.settings };
  }

  /** Parse command-line `name=value` (or bare `name` for a boolean) into a change set. */
  static parse(spec: string): Record<string, unknown> {
    const eq = spec.indexOf('=');
    return eq < 0 ? { [spec]: true } : { [spec.slice(0, eq)]: spec.slice(eq + 1) };
  }

  reset(): void {
    Object.assign(this.settings, DEFAULT_FAULTS);
  }

  /** Consume one unit of a `...Next`-style counter; true if the fault applies to this request. */
  take(name: 'restFailNext' | 'authFailNext' | 'authGatewayFault' | 'refuseConnects'): boolean {
    if (this.settings[name] > 0) {
      this.settings[name]--;
      return true;
    }
    return false;
  }
}
