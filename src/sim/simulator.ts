import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ScaledClock, systemClock, type Clock } from '../cardata/clock';
import type { StreamMessage } from '../cardata/wire';
import { AccountRegistry, type SimAccount } from './accounts';
import { SimBroker, type DuplicatePolicy } from './broker';
import { generateCertificates, writeCaFile } from './certs';
import { controlRoutes } from './control-routes';
import { Faults } from './faults';
import { createSimHttp, type SimHttp } from './http/app';
import type { SimHttpOptions } from './http/options';
import { TokenRegistry } from './tokens';
import { traccarApiRoutes } from './traccar/api-routes';
import { SimTraccar } from './traccar/sim-traccar';
import { Fleet, type TruthLine } from './vehicle/fleet';
import { defaultVehicleSpecs, type VehicleSpec } from './vehicle/specs';
import { parseScenarioFile, type ScenarioFile } from './vehicle/scenario';

export interface SimulatorOptions {
  host?: string;
  httpPort?: number;
  mqttPort?: number;
  /** Number of vehicles from the default set (a BEV first, then a PHEV, …); ignored when vehicleSpecs is given. */
  vehicles?: number;
  vehicleSpecs?: VehicleSpec[];
  tokenTtlSec?: number;
  refreshTtlSec?: number;
  /** Approve device codes by themselves after this many seconds (0 = at once); undefined = only on the page. */
  autoApprove?: number;
  /** Simulated vehicle time runs this many times faster than the base clock. */
  speed?: number;
  seed?: number;
  scenarioFile?: string;
  scenario?: ScenarioFile;
  /** Write true-state lines here ("-" = stderr). */
  truthFile?: string;
  onTruth?: (line: TruthLine) => void;
  /** Where ca.pem is written; a new temp dir by default. */
  stateDir?: string;
  clientId?: string;
  gcid?: string;
  duplicatePolicy?: DuplicatePolicy;
  quotaLimit?: number;
  quotaWindow?: 'utc-midnight' | 'rolling';
  faults?: Record<string, unknown>;
  http?: Partial<SimHttpOptions>;
  /** Base clock for tokens, codes and quota (wall clock by default; a ManualClock in tests). */
  clock?: Clock;
  /** Clock of the vehicles; by default the base clock scaled by `speed`. */
  vehicleClock?: Clock;
  /** Start stepping the vehicles at once (default true). */
  runVehicles?: boolean;
  /** The simulated Traccar server's API token; random per start by default. */
  traccarToken?: string;
}

/** The one line `cardata-sim` prints when ready (DESIGN.md §6); other tools parse it. */
export interface ReadyLine {
  event: 'ready';
  authBaseUrl: string;
  apiBaseUrl: string;
  mqtt: { host: string; port: number; caFile: string };
  clientId: string;
  gcid: string;
  vins: string[];
}

/**
 * BMW's side of CarData on 127.0.0.1: device-code login and tokens, the REST API with quota and containers, the MQTT
 * stream over TLS 1.3, and a fleet of simulated vehicles publishing what BMW would. Everything shares one account
 * registry, one token registry and one set of fault switches, so a test can reach any part through this object.
 */
export class CarDataSimulator {
  readonly accounts = new AccountRegistry();
  readonly faults = new Faults();
  readonly clock: Clock;
  readonly vehicleClock: Clock;
  readonly tokens: TokenRegistry;
  readonly account: SimAccount;
  readonly fleet: Fleet;
  readonly http: SimHttp;
  /** A Traccar GPS server with one tracker per car, under `<authBaseUrl>/traccar` (not in the ready line). */
  readonly traccar: SimTraccar;
  broker!: SimBroker;
  ready!: ReadyLine;
  caPem!: string;
  private server?: Server;
  private truthSink?: (line: TruthLine) => void;

  private constructor(readonly options: SimulatorOptions) {
    this.clock = options.clock ?? systemClock;
    this.vehicleClock = options.vehicleClock ?? new ScaledClock(this.clock, options.speed ?? 1);
    this.tokens = new TokenRegistry(this.clock, {
      ...(options.tokenTtlSec !== undefined ? { tokenTtlSec: options.tokenTtlSec } : {}),
      ...(options.refreshTtlSec !== undefined ? { refreshTtlSec: options.refreshTtlSec } : {}),
    });
    if (options.faults) this.faults.set(options.faults);
    const seed = options.seed ?? 1;
    const scenario =
      options.scenario ??
      (options.scenarioFile ? parseScenarioFile(readFileSync(options.scenarioFile, 'utf8')) : undefined);
    const specs = options.vehicleSpecs ?? defaultVehicleSpecs(options.vehicles ?? 2, seed);
    this.account = this.accounts.add({
      vins: specs.map((s) => s.vin),
      ...(options.clientId ? { clientId: options.clientId } : {}),
      ...(options.gcid ? { gcid: options.gcid } : {}),
    });
    this.truthSink = options.onTruth;
    this.fleet = new Fleet({
      clock: this.vehicleClock,
      gcid: this.account.gcid,
      vehicles: specs,
      scenario,
      publish: (vin, message) => this.publish(vin, message),
      onTruth: (line) => this.truthSink?.(line),
    });
    this.traccar = new SimTraccar({
      clock: this.vehicleClock,
      vins: specs.map((s) => s.vin),
      trueState: (vin) => this.fleet.trueState(vin),
      ...(options.traccarToken ? { token: options.traccarToken } : {}),
    });
    this.http = createSimHttp(
      {
        clock: this.clock,
        accounts: this.accounts,
        tokens: this.tokens,
        faults: this.faults,
        fleet: this.fleet,
        options: {
          ...(options.autoApprove !== undefined
            ? { autoApprove: options.autoApprove === 0 ? true : options.autoApprove }
            : {}),
          ...(options.quotaLimit !== undefined ? { quotaLimit: options.quotaLimit } : {}),
          ...(options.quotaWindow ? { quotaWindow: options.quotaWindow } : {}),
          ...options.http,
        },
      },
      (app, http) => {
        app.use('/sim', controlRoutes(this, http));
        app.use('/traccar', traccarApiRoutes(this.traccar));
      },
    );
  }

  static async start(options: SimulatorOptions = {}): Promise<CarDataSimulator> {
    const sim = new CarDataSimulator(options);
    await sim.listen();
    return sim;
  }

  private async listen(): Promise<void> {
    const host = this.options.host ?? '127.0.0.1';
    const certificates = await generateCertificates();
    this.caPem = certificates.caPem;
    const stateDir = resolve(this.options.stateDir ?? mkdtempSync(join(tmpdir(), 'cardata-sim-')));
    mkdirSync(stateDir, { recursive: true });
    const caFile = writeCaFile(stateDir, certificates);
    this.broker = new SimBroker({
      clock: this.clock,
      accounts: this.accounts,
      tokens: this.tokens,
      faults: this.faults,
      certificates,
      duplicatePolicy: this.options.duplicatePolicy ?? 'drop-old',
    });
    const mqttPort = await this.broker.listen(this.options.mqttPort ?? 0, host);
    const server = createServer(this.http.app);
    this.server = server;
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(this.options.httpPort ?? 0, host, () => done());
    });
    const address = server.address();
    const httpPort = typeof address === 'object' && address ? address.port : 0;
    const base = `http://${host}:${httpPort}`;
    this.http.options.baseUrl = base;
    this.traccar.url = `${base}/traccar`;
    this.ready = {
      event: 'ready',
      authBaseUrl: base,
      apiBaseUrl: base,
      mqtt: { host, port: mqttPort, caFile },
      clientId: this.account.clientId,
      gcid: this.account.gcid,
      vins: [...this.account.vins],
    };
    if (this.options.runVehicles ?? true) this.fleet.start();
  }

  /** Replace where true-state lines go (the CLI's --truth, a benchmark's collector). */
  onTruth(sink: ((line: TruthLine) => void) | undefined): void {
    this.truthSink = sink;
  }

  private publish(vin: string, message: StreamMessage): void {
    void this.broker?.publish(this.account.gcid, vin, message).catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.fleet.stop();
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    }
    await this.broker?.close();
  }
}
