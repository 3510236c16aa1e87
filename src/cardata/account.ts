import { EventEmitter } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { CarDataApi, type ApiParams, type ApiResult } from './api-client';
import { readJsonFile, writeFileAtomic } from './atomic-file';
import type { Clock } from './clock';
import { ContainerManager, type ContainerRecord } from './container';
import { DeviceLogin, type DeviceLoginState } from './device-login';
import { LastKnownStore } from './last-known';
import { CarDataError } from './errors';
import type { OperationId } from './operations';
import { QuotaLedger, type QuotaLedgerState, type QuotaSnapshot } from './quota-ledger';
import { CarDataStream, type StreamHealth } from './stream';
import { TokenFile } from './token-file';
import { TokenManager, type TokenState } from './token-manager';
import { SCOPE_API, SCOPE_STREAM, type StreamMessage, type VehicleMapping } from './wire';

export interface AccountSettings {
  /** Stable identity of this account on disk (the config node's id). */
  id: string;
  clientId: string;
  authBaseUrl: string;
  apiBaseUrl: string;
  mqttHost: string;
  mqttPort: number;
  /** PEM of a CA to trust for the stream (the simulator's); BMW's broker needs none. */
  ca?: string;
  stateDir: string;
  clock: Clock;
  quotaLimit?: number;
  quietAfterMs?: number;
}

export interface AccountVehicle {
  vin: string;
  mappingType: string;
  basicData?: Record<string, unknown>;
}

interface AccountState {
  ledger?: QuotaLedgerState;
  container?: ContainerRecord;
  vehicles?: AccountVehicle[];
  vehiclesAt?: number;
}

/** Where an account's files live: tokens in their own file, the rest (ledger, container, vehicles) in a second. */
export function accountPaths(stateDir: string, id: string) {
  const safe = id.replace(/[^A-Za-z0-9._-]/g, '_');
  return {
    tokens: join(stateDir, `${safe}.tokens.json`),
    state: join(stateDir, `${safe}.state.json`),
    lastKnown: join(stateDir, `${safe}.last-known.json`),
  };
}

/**
 * One BMW CarData account: its tokens, its REST quota and container, its vehicles and its single MQTT stream.
 * Knows nothing of Node-RED; the config node adapts it. Events: 'health' (StreamHealth, reason),
 * 'tokens-state' (TokenState, reason), 'message' and 'rejected' (from the stream), 'quota' (QuotaSnapshot),
 * 'trip-ended' (vin, at: epoch ms; see reportTripEnded).
 */
export class CarDataAccount extends EventEmitter {
  readonly tokens: TokenManager;
  readonly api: CarDataApi;
  readonly stream: CarDataStream;
  readonly ledger: QuotaLedger;
  readonly containers: ContainerManager;
  /** The last value of every descriptor per VIN, restored after a restart. */
  readonly lastKnown: LastKnownStore;
  private readonly paths: ReturnType<typeof accountPaths>;
  private state: AccountState;
  private streamUsers = new Set<unknown>();

  constructor(readonly settings: AccountSettings) {
    super();
    this.paths = accountPaths(settings.stateDir, settings.id);
    this.state = safeRead<AccountState>(this.paths.state) ?? {};
    this.ledger = new QuotaLedger(settings.quotaLimit ?? 50, this.state.ledger);
    this.lastKnown = new LastKnownStore(this.paths.lastKnown);
    this.tokens = new TokenManager({
      clientId: settings.clientId,
      authBaseUrl: settings.authBaseUrl,
      clock: settings.clock,
      file: new TokenFile(this.paths.tokens),
    });
    this.api = new CarDataApi({
      apiBaseUrl: settings.apiBaseUrl,
      clock: settings.clock,
      tokens: this.tokens,
      ledger: this.ledger,
      onLedgerChange: () => {
        this.state.ledger = this.ledger.toJSON();
        this.persist();
        this.emit('quota', this.quota());
      },
    });
    this.containers = new ContainerManager(this.api, this.state.container, (record) => {
      this.state.container = record;
      this.persist();
    });
    this.stream = new CarDataStream({
      host: settings.mqttHost,
      port: settings.mqttPort,
      ca: settings.ca,
      clock: settings.clock,
      tokens: this.tokens,
      quietAfterMs: settings.quietAfterMs,
    });
    this.stream.on('health', (health: StreamHealth, reason?: string) => this.emit('health', health, reason));
    this.stream.on('message', (message: StreamMessage, receivedAt: number) => {
      this.lastKnown.record(message, receivedAt);
      this.emit('message', message, receivedAt);
    });
    this.stream.on('rejected', (...args: unknown[]) => this.emit('rejected', ...args));
    this.tokens.on('state', (state: TokenState, reason?: string) => this.emit('tokens-state', state, reason));
  }

  /** Load stored tokens; returns a problem text if the token file was unusable. */
  start(): string | undefined {
    return this.tokens.load();
  }

  get loggedIn(): boolean {
    return this.tokens.current !== undefined && this.tokens.state !== 'login_required';
  }

  /** Scopes the login lacks for what this package does, with what to fix in BMW's portal. */
  missingScopes(): { scope: string; fix: string }[] {
    const granted = (this.tokens.current?.scope ?? '').split(/\s+/);
    return missingScopes(granted, this.tokens.current?.idToken !== undefined);
  }

  /**
   * A trip end one user derived itself (vehicle-stream's motion detection, which also ends trips from GPS for cars
   * that send no isMoving), passed on as 'trip-ended' to the others: the api-call nodes' poll planners, which see only
   * BMW's isMoving in the stream.
   */
  reportTripEnded(vin: string, at: number): void {
    this.emit('trip-ended', vin, at);
  }

  /** A user of the stream (a flow node): the first one opens the connection. */
  useStream(user: unknown): void {
    this.streamUsers.add(user);
    if (this.streamUsers.size === 1) this.stream.start();
  }

  /** The last user leaving closes the connection; resolves once it is closed. */
  async releaseStream(user: unknown): Promise<void> {
    this.streamUsers.delete(user);
    if (this.streamUsers.size === 0) await this.stream.stop();
  }

  get streamUserCount(): number {
    return this.streamUsers.size;
  }

  startLogin(onState?: (state: DeviceLoginState, detail?: string) => void): DeviceLogin {
    const login = new DeviceLogin({
      clientId: this.settings.clientId,
      authBaseUrl: this.settings.authBaseUrl,
      clock: this.settings.clock,
      onState,
    });
    login.result.then((tokens) => this.tokens.loggedIn(tokens)).catch(() => undefined);
    return login;
  }

  quota(): QuotaSnapshot {
    return this.ledger.snapshot(this.settings.clock.now());
  }

  async call(operation: OperationId, params?: ApiParams): Promise<ApiResult> {
    try {
      return await this.api.call(operation, params);
    } finally {
      this.emit('quota', this.quota());
    }
  }

  /** Telematic data for a VIN through our own container, recreating it once if BMW lost it (CU-105). */
  async telematicData(vin: string, descriptors: string[]): Promise<ApiResult> {
    const containerId = await this.containers.ensure(descriptors);
    try {
      return await this.call('getTelematicData', { vin, containerId });
    } catch (err) {
      if (!(err instanceof CarDataError) || err.kind !== 'container_lost') throw err;
      this.containers.lost();
      const fresh = await this.containers.ensure(descriptors);
      return this.call('getTelematicData', { vin, containerId: fresh });
    }
  }

  /** The account's vehicles (PRIMARY mappings), cached for a day so edit dialogs do not spend the quota. */
  async vehicles(options: { refresh?: boolean; withBasicData?: boolean } = {}): Promise<AccountVehicle[]> {
    const now = this.settings.clock.now();
    const fresh = this.state.vehicles && this.state.vehiclesAt && now - this.state.vehiclesAt < 86_400_000;
    if (fresh && !options.refresh) return this.state.vehicles!;
    const mappings = await this.call('getMappings');
    const list = parseMappings(mappings.data);
    const vehicles: AccountVehicle[] = [];
    for (const mapping of list) {
      const known = this.state.vehicles?.find((v) => v.vin === mapping.vin);
      const vehicle: AccountVehicle = {
        vin: mapping.vin,
        mappingType: mapping.mappingType,
        basicData: known?.basicData,
      };
      if (options.withBasicData && mapping.mappingType === 'PRIMARY' && !vehicle.basicData) {
        vehicle.basicData = (await this.call('getBasicData', { vin: mapping.vin })).data as Record<string, unknown>;
      }
      vehicles.push(vehicle);
    }
    this.state.vehicles = vehicles;
    this.state.vehiclesAt = now;
    this.persist();
    return vehicles;
  }

  /** Vehicles as last known, without calling BMW. */
  knownVehicles(): AccountVehicle[] {
    return this.state.vehicles ?? [];
  }

  /** Stop everything; with `forget`, delete the account's files (the node was removed). */
  async close(forget = false): Promise<void> {
    this.streamUsers.clear();
    await this.stream.stop();
    this.tokens.stop();
    this.lastKnown.flush(this.settings.clock.now());
    if (forget) {
      this.tokens.clear();
      this.state = {};
      this.persist();
      rmSync(this.paths.lastKnown, { force: true });
    }
  }

  private persist(): void {
    writeFileAtomic(this.paths.state, JSON.stringify(this.state));
  }
}

export function missingScopes(granted: string[], hasIdToken: boolean): { scope: string; fix: string }[] {
  const missing: { scope: string; fix: string }[] = [];
  if (!granted.includes(SCOPE_API)) {
    missing.push({
      scope: SCOPE_API,
      fix: 'Subscribe the client ID to "CarData API" in the BMW portal, wait a minute, then log in again.',
    });
  }
  if (!granted.includes(SCOPE_STREAM)) {
    missing.push({
      scope: SCOPE_STREAM,
      fix: 'Subscribe the client ID to "CarData Stream" in the BMW portal, wait a minute, then log in again.',
    });
  }
  if (!hasIdToken) {
    missing.push({ scope: 'openid', fix: 'The login gave no id_token, which the stream needs as its password.' });
  }
  return missing;
}

/** BMW's schema says object, every real answer is an array; accept both and a few wrappers (protocol §4.3.1). */
export function parseMappings(data: unknown): VehicleMapping[] {
  const list: unknown = Array.isArray(data)
    ? data
    : ((data as { mappings?: unknown; vehicles?: unknown } | undefined)?.mappings ??
      (data as { vehicles?: unknown } | undefined)?.vehicles ??
      (data && typeof data === 'object' && 'vin' in data ? [data] : []));
  if (!Array.isArray(list)) return [];
  return list
    .filter((m): m is VehicleMapping => typeof (m as VehicleMapping)?.vin === 'string')
    .map((m) => ({ vin: m.vin, mappedSince: m.mappedSince, mappingType: m.mappingType ?? 'PRIMARY' }));
}

function safeRead<T>(path: string): T | undefined {
  try {
    return readJsonFile<T>(path);
  } catch {
    return undefined;
  }
}
