/**
 * A Traccar GPS server beside the simulated BMW backend: one tracker per simulated car, its positions taken from the
 * vehicle model's true state, so a client reading Traccar sees the speed the car really drives. Read-only (devices and
 * positions), with Traccar's bearer-token auth, and fault switches for the failures a Traccar user meets: the server
 * down, the token revoked, a tracker that stopped reporting (its last position keeps being served, ageing).
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../cardata/clock';
import { KMH_PER_KNOT } from '../../traccar/units';
import type { TrueState } from '../vehicle/model';

export interface SimTraccarDevice {
  id: number;
  name: string;
  vin: string;
}

export interface TraccarFaultSettings {
  /** While non-zero, every Traccar API call answers this HTTP status (503: the server is down behind a proxy). */
  status: number;
  /** Close every Traccar connection without an answer, as a server that is off. */
  offline: boolean;
  /** Refuse every token with 401, as after the user revoked it. */
  refuseToken: boolean;
  /** Keep serving the positions of the moment this was switched on: a tracker that stopped reporting. */
  frozen: boolean;
  /** Mark every position `valid: false` (no GPS fix). */
  invalidFix: boolean;
  /** Answer `/api/positions?deviceId=` with every device's position, as some older Traccar versions do. */
  allDevicesQuirk: boolean;
}

export const DEFAULT_TRACCAR_FAULTS: TraccarFaultSettings = {
  status: 0,
  offline: false,
  refuseToken: false,
  frozen: false,
  invalidFix: false,
  allDevicesQuirk: false,
};

/** A position as Traccar's `/api/positions` sends it (the fields a client may read). */
export interface TraccarPosition {
  id: number;
  deviceId: number;
  protocol: string;
  serverTime: string;
  deviceTime: string;
  fixTime: string;
  outdated: boolean;
  valid: boolean;
  latitude: number;
  longitude: number;
  altitude: number;
  /** Knots, as Traccar stores every speed. */
  speed: number;
  course: number;
  address: null;
  accuracy: number;
  network: null;
  attributes: Record<string, unknown>;
}

export interface SimTraccarOptions {
  /** The simulated vehicles' clock: positions carry its time. */
  clock: Clock;
  vins: readonly string[];
  trueState(vin: string): TrueState;
  /** A fixed token (the CLI's --traccar-token); a random one per start by default. */
  token?: string;
  /** Devices of one's own (ids, names, which car each tracks); `deviceList(vins)` by default. */
  devices?: SimTraccarDevice[];
}

export class SimTraccar {
  readonly token: string;
  readonly devices: readonly SimTraccarDevice[];
  readonly faults: TraccarFaultSettings = { ...DEFAULT_TRACCAR_FAULTS };
  /** `<authBaseUrl>/traccar`, set when the simulator listens. */
  url = '';
  /** API requests received (any answer), so a test can tell that a client stopped asking. */
  requests = 0;
  private frozenAt = new Map<number, TraccarPosition>();
  private nextPositionId = 1;
  private lastFix = new Map<number, TraccarPosition>();

  constructor(private readonly options: SimTraccarOptions) {
    this.token = options.token ?? randomBytes(24).toString('base64url');
    this.devices = options.devices ?? deviceList(options.vins);
  }

  /** What tests and the control API show: never more than a user of the simulator may know anyway. */
  info(): { url: string; token: string; devices: SimTraccarDevice[] } {
    return { url: this.url, token: this.token, devices: this.devices.map((d) => ({ ...d })) };
  }

  setFaults(changes: Record<string, unknown>): TraccarFaultSettings {
    for (const [name, raw] of Object.entries(changes)) {
      if (!(name in DEFAULT_TRACCAR_FAULTS)) {
        throw new Error(`unknown Traccar fault "${name}"; known: ${Object.keys(DEFAULT_TRACCAR_FAULTS).join(', ')}`);
      }
      const key = name as keyof TraccarFaultSettings;
      if (key === 'status') {
        const status = Number(raw);
        if (!(status === 0 || (Number.isInteger(status) && status >= 400 && status <= 599))) {
          throw new Error(`Traccar fault "status" takes 0 or an HTTP error status, got ${JSON.stringify(raw)}`);
        }
        this.faults.status = status;
      } else {
        if (typeof raw !== 'boolean') throw new Error(`Traccar fault "${name}" takes true or false`);
        if (key === 'frozen' && raw && !this.faults.frozen) this.freeze();
        this.faults[key] = raw;
      }
    }
    return { ...this.faults };
  }

  resetFaults(): TraccarFaultSettings {
    Object.assign(this.faults, DEFAULT_TRACCAR_FAULTS);
    this.frozenAt.clear();
    return { ...this.faults };
  }

  authorised(header: string | undefined): boolean {
    if (this.faults.refuseToken) return false;
    const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
    return match !== null && match[1].trim() === this.token;
  }

  /** The latest position of one device, or of every device; undefined for an unknown device id. */
  positions(deviceId: number | undefined): TraccarPosition[] | undefined {
    if (deviceId !== undefined && !this.devices.some((d) => d.id === deviceId)) return undefined;
    const wanted =
      deviceId === undefined || this.faults.allDevicesQuirk
        ? this.devices
        : this.devices.filter((d) => d.id === deviceId);
    // The quirk lists the asked-for device first, so a client that takes the last element reads another car.
    const ordered = this.faults.allDevicesQuirk
      ? [...wanted.filter((d) => d.id === deviceId), ...wanted.filter((d) => d.id !== deviceId)]
      : wanted;
    return ordered.map((d) => this.position(d));
  }

  private position(device: SimTraccarDevice): TraccarPosition {
    const frozen = this.faults.frozen ? this.frozenAt.get(device.id) : undefined;
    const position = frozen ?? this.fix(device);
    return this.faults.invalidFix ? { ...position, valid: false } : position;
  }

  /** The car's position now; the same instant answers the same position (with the same id). */
  private fix(device: SimTraccarDevice): TraccarPosition {
    const now = this.options.clock.now();
    const time = new Date(now).toISOString();
    const last = this.lastFix.get(device.id);
    if (last && last.fixTime === time) return last;
    const state = this.options.trueState(device.vin);
    const position: TraccarPosition = {
      id: this.nextPositionId++,
      deviceId: device.id,
      protocol: 'osmand',
      serverTime: time,
      deviceTime: time,
      fixTime: time,
      outdated: false,
      valid: true,
      latitude: state.latitude,
      longitude: state.longitude,
      altitude: 520,
      speed: state.speedKmh / KMH_PER_KNOT,
      course: state.headingDeg,
      address: null,
      accuracy: 5,
      network: null,
      attributes: {},
    };
    this.lastFix.set(device.id, position);
    return position;
  }

  private freeze(): void {
    this.frozenAt.clear();
    for (const device of this.devices) this.frozenAt.set(device.id, this.fix(device));
  }
}

/** `Tracker <last 4 of the VIN>`, ids from 1 in fleet order; the whole VIN where the last four repeat. */
export function deviceList(vins: readonly string[]): SimTraccarDevice[] {
  const short = vins.map((vin) => vin.slice(-4));
  return vins.map((vin, i) => ({
    id: i + 1,
    name: `Tracker ${short.filter((s) => s === short[i]).length > 1 ? vin : short[i]}`,
    vin,
  }));
}
