import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '../../src/cardata/clock';
import type { StreamDescriptorValue } from '../../src/cardata/wire';
import { AccountRegistry, type SimAccount } from '../../src/sim/accounts';
import { Faults } from '../../src/sim/faults';
import type { ChargingSessionRecord, FleetView } from '../../src/sim/fleet-view';
import { createSimHttp, type SimHttp } from '../../src/sim/http/app';
import type { SimHttpOptions } from '../../src/sim/http/options';
import { TokenRegistry, type TokenOptions } from '../../src/sim/tokens';

/** A fleet as BMW's backend sees it, filled by the test (the real vehicle model lives elsewhere). */
export class TestFleet implements FleetView {
  readonly cars = new Map<
    string,
    {
      basic: Record<string, unknown>;
      reported: Map<string, StreamDescriptorValue>;
      sessions: ChargingSessionRecord[];
      position: { latitude: number; longitude: number };
    }
  >();

  add(vin: string, basic: Record<string, unknown> = {}): this {
    this.cars.set(vin, {
      basic,
      reported: new Map(),
      sessions: [],
      position: { latitude: 48.1772, longitude: 11.5562 },
    });
    return this;
  }

  report(vin: string, descriptor: string, value: StreamDescriptorValue): this {
    this.car(vin).reported.set(descriptor, value);
    return this;
  }

  has(vin: string): boolean {
    return this.cars.has(vin);
  }
  vins(): string[] {
    return [...this.cars.keys()];
  }
  basicData(vin: string): Record<string, unknown> {
    return this.car(vin).basic;
  }
  reported(vin: string): ReadonlyMap<string, StreamDescriptorValue> {
    return this.car(vin).reported;
  }
  chargingSessions(vin: string): ChargingSessionRecord[] {
    return this.car(vin).sessions;
  }
  position(vin: string): { latitude: number; longitude: number } {
    return this.car(vin).position;
  }

  private car(vin: string) {
    const car = this.cars.get(vin);
    assert.ok(car, `test fleet has no ${vin}`);
    return car;
  }
}

export interface Harness {
  base: string;
  clock: ManualClock;
  accounts: AccountRegistry;
  account: SimAccount;
  tokens: TokenRegistry;
  faults: Faults;
  fleet: TestFleet;
  sim: SimHttp;
  close(): Promise<void>;
}

/** The simulator's HTTP side on 127.0.0.1 with a free port, one account and a fleet, all on a ManualClock. */
export async function startSimHttp(
  setup: {
    options?: Partial<SimHttpOptions>;
    account?: Partial<SimAccount> & { vins: string[] };
    fleet?: TestFleet;
    tokenOptions?: Partial<TokenOptions>;
  } = {},
): Promise<Harness> {
  const clock = new ManualClock('2026-03-02T10:00:00Z');
  const accounts = new AccountRegistry();
  const account = accounts.add(setup.account ?? { vins: ['WBA00000000000001'] });
  const tokens = new TokenRegistry(clock, setup.tokenOptions);
  const faults = new Faults();
  const fleet = setup.fleet ?? new TestFleet().add(account.vins[0]);
  const sim = createSimHttp({ clock, accounts, tokens, faults, fleet, options: setup.options });
  const server: Server = createServer(sim.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    clock,
    accounts,
    account,
    tokens,
    faults,
    fleet,
    sim,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Form-encoded POST, as BMW's OAuth endpoints require. */
export async function postForm(url: string, fields: Record<string, string>): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: 'POST', body: new URLSearchParams(fields) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // HTML pages stay text
  }
  return { status: res.status, body };
}

/** BMW's REST error body: all four fields, as strings, with the expected code and HTTP status. */
export function assertCustomerError(res: { status: number; body: any }, status: number, id: string): void {
  assert.equal(res.status, status, `expected ${status} ${id}, got ${res.status} ${JSON.stringify(res.body)}`);
  assert.deepEqual(Object.keys(res.body as object).sort(), ['exveErrorId', 'exveErrorMsg', 'exveErrorRef', 'exveNote']);
  for (const value of Object.values(res.body as object)) assert.equal(typeof value, 'string');
  assert.equal(res.body.exveErrorId, id);
}
