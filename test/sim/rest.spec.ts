import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { DEFAULT_SCOPE, SCOPE_API } from '../../src/cardata/wire';
import { customerApi } from '../helpers/openapi';
import { assertCustomerError, startSimHttp, TestFleet, type Harness } from '../helpers/sim-http';

const spec = customerApi();
/** BMW sends null value/unit/timestamp although the schema says string (§4.3.4): the one deviation we allow. */
const lenient = customerApi({ nullable: { TelematicDataEntryDto: ['value', 'unit', 'timestamp'] } });

const VIN = 'WBY8P2C05R7A12345';
const VIN_NO_IMAGE = 'WMW21DH0X02B54321';
const VIN_SECONDARY = 'WBA11111111111111';
const DAY = 86_400_000;

const P = {
  mappings: '/customers/vehicles/mappings',
  basicData: '/customers/vehicles/{vin}/basicData',
  containers: '/customers/containers',
  container: '/customers/containers/{containerId}',
  telematic: '/customers/vehicles/{vin}/telematicData',
  history: '/customers/vehicles/{vin}/chargingHistory',
  image: '/customers/vehicles/{vin}/image',
  lbcs: '/customers/vehicles/{vin}/locationBasedChargingSettings',
  tyres: '/customers/vehicles/{vin}/smartMaintenanceTyreDiagnosis',
};

const HV = {
  header: 'vehicle.drivetrain.batteryManagement.header',
  odometer: 'vehicle.vehicle.travelledDistance',
  longitude: 'vehicle.cabin.infotainment.navigation.currentLocation.longitude',
  status: 'vehicle.drivetrain.electricEngine.charging.status',
  plugged: 'vehicle.powertrain.tractionBattery.charging.port.anyPosition.isPlugged',
  fuel: 'vehicle.drivetrain.fuelSystem.level',
  batterySize: 'vehicle.drivetrain.batteryManagement.batterySizeMax',
  history: 'vehicle.powertrain.electric.battery.charging.history.sessionsList',
  doors: 'vehicle.cabin.door.status',
};

interface Answer {
  status: number;
  body: any;
  headers: Headers;
  bytes: Buffer;
}

function fleet(): TestFleet {
  const f = new TestFleet()
    .add(VIN, {
      brand: 'BMW',
      modelName: 'i4 eDrive40',
      driveTrain: 'BEV',
      isTelematicsCapable: true,
      numberOfDoors: 5,
    })
    .add(VIN_NO_IMAGE, { brand: 'MINI', modelName: 'Cooper SE', driveTrain: 'BEV' })
    .add(VIN_SECONDARY, { brand: 'BMW' });
  const ts = '2026-03-02T09:58:11.345Z';
  f.report(VIN, HV.header, { value: 78, unit: 'percent', timestamp: ts })
    .report(VIN, HV.odometer, { value: 23817, unit: 'km', timestamp: ts })
    .report(VIN, HV.longitude, { value: 9.498705, unit: 'degrees', timestamp: '2026-03-02T09:58:42Z' })
    .report(VIN, HV.status, { value: 'NOCHARGING', timestamp: ts })
    .report(VIN, HV.plugged, { value: true, timestamp: ts })
    .report(VIN, HV.batterySize, { value: 80.7, unit: 'kWh', timestamp: ts })
    .report(VIN, HV.doors, { value: 'LOCKED', timestamp: ts });
  const sessions = f.chargingSessions(VIN);
  for (let i = 0; i < 12; i++) {
    const startMs = Date.parse('2026-03-01T18:00:00Z') - i * 2 * DAY;
    sessions.push({
      startMs,
      endMs: startMs + 3 * 3_600_000,
      startSoc: 30.4,
      endSoc: 80,
      energyFromGridKwh: 38.42,
      averagePowerKw: 10.5,
      latitude: 48.1772,
      longitude: 11.5562,
      mileageKm: 23_000 + i,
      method: i % 4 === 0 ? 'DC' : 'AC',
    });
  }
  return f;
}

describe('simulator HTTP: CarData REST API', () => {
  let h: Harness;
  let token: string;

  async function call(
    method: string,
    path: string,
    opts: { token?: string | null; version?: boolean; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const bearer = opts.token === undefined ? token : opts.token;
    const headers: Record<string, string> = {
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...(opts.version === false ? {} : { 'x-version': 'v1' }),
      ...opts.headers,
    };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(h.base + path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    const type = res.headers.get('content-type') ?? '';
    const body: unknown = type.includes('json') ? JSON.parse(bytes.toString()) : bytes.toString();
    return { status: res.status, body, headers: res.headers, bytes };
  }

  async function createContainer(descriptors: string[], name = 'BMW CarData HV Battery'): Promise<string> {
    const res = await call('POST', '/customers/containers', {
      version: false,
      body: { name, purpose: 'High voltage battery telemetry', technicalDescriptors: descriptors },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.containerId as string;
  }

  beforeEach(async () => {
    h = await startSimHttp({
      account: { vins: [VIN, VIN_NO_IMAGE], secondaryVins: [VIN_SECONDARY] },
      fleet: fleet(),
      options: { quotaLimit: 10_000, noImageVins: [VIN_NO_IMAGE] },
    });
    token = h.tokens.issue(h.account, DEFAULT_SCOPE.split(' ')).access_token;
  });
  afterEach(() => h.close());

  describe('mappings', () => {
    it('answers a JSON array of PRIMARY and SECONDARY mappings, as the real service does', async () => {
      const res = await call('GET', P.mappings);
      assert.equal(res.status, 200);
      assert.ok(Array.isArray(res.body));
      assert.deepEqual(
        res.body.map((m: any) => [m.vin, m.mappingType]),
        [
          [VIN, 'PRIMARY'],
          [VIN_NO_IMAGE, 'PRIMARY'],
          [VIN_SECONDARY, 'SECONDARY'],
        ],
      );
      for (const item of res.body) spec.assertComponent('VehicleMappingDto', item);
      // BMW's own schema declares one object: the real array does not match it.
      assert.notDeepEqual(spec.responseErrors(P.mappings, 'get', 200, res.body), []);
    });

    it("answers the swagger's single object when options.mappingsShape is 'object'", async () => {
      h.sim.options.mappingsShape = 'object';
      const res = await call('GET', P.mappings);
      spec.assertResponse(P.mappings, 'get', 200, res.body);
      assert.equal(res.body.vin, VIN);
    });
  });

  describe('authentication, scope and headers', () => {
    it('answers CU-100 without a token, and the observed 403 CU-127 for an invalid or expired one', async () => {
      const none = await call('GET', P.mappings, { token: null });
      assertCustomerError(none, 401, 'CU-100');
      spec.assertResponse(P.mappings, 'get', 401, none.body);
      const bad = await call('GET', P.mappings, { token: 'garbage' });
      assertCustomerError(bad, 403, 'CU-127');
      assert.equal(bad.body.exveErrorMsg, 'invalid_token');
      assert.equal(bad.body.exveNote, 'The presented token is invalid or expired.');
      spec.assertResponse(P.mappings, 'get', 403, bad.body);
      h.clock.advance(3600_000);
      assertCustomerError(await call('GET', P.mappings), 403, 'CU-127');
    });

    it("answers the documented 401 CU-102 / CU-101 with expiredTokenStyle 'CU-102-401'", async () => {
      h.sim.options.expiredTokenStyle = 'CU-102-401';
      assertCustomerError(await call('GET', P.mappings, { token: 'garbage' }), 401, 'CU-101');
      h.clock.advance(3600_000);
      const expired = await call('GET', P.mappings);
      assertCustomerError(expired, 401, 'CU-102');
      spec.assertResponse(P.mappings, 'get', 401, expired.body);
    });

    it('answers CU-103 to a token without cardata:api:read', async () => {
      const streamOnly = h.tokens.issue(h.account, ['openid', 'cardata:streaming:read']).access_token;
      const res = await call('GET', P.mappings, { token: streamOnly });
      assertCustomerError(res, 403, 'CU-103');
      spec.assertResponse(P.mappings, 'get', 403, res.body);
    });

    it('requires x-version where the swagger does (not on container create and delete)', async () => {
      for (const path of [P.mappings, `/customers/vehicles/${VIN}/basicData`, '/customers/containers']) {
        const res = await call('GET', path, { version: false });
        assertCustomerError(res, 400, 'CU-400');
        assert.match(res.body.exveNote, /x-version/);
      }
      assertCustomerError(await call('GET', P.mappings, { headers: { 'x-version': 'v2' } }), 400, 'CU-400');
      const id = await createContainer([HV.header]);
      assert.equal((await call('DELETE', `/customers/containers/${id}`, { version: false })).status, 204);
    });

    it("answers BMW's invalid-resource CU-403 for unknown paths and the guide's singular /customer path", async () => {
      const unknown = await call('GET', '/customers/vehicles/whatever/else/here');
      assertCustomerError(unknown, 403, 'CU-403');
      assert.equal(unknown.body.exveErrorMsg, 'Bad Request.  Forbidden');
      assertCustomerError(await call('GET', `/customer/vehicles/${VIN}/basicData`), 403, 'CU-403');
      assertCustomerError(await call('PUT', '/customers/containers'), 403, 'CU-403');
    });
  });

  describe('vehicles', () => {
    it('answers basicData from the fleet, and VIN errors CU-120 / CU-104', async () => {
      const res = await call('GET', `/customers/vehicles/${VIN}/basicData`);
      assert.equal(res.status, 200);
      spec.assertResponse(P.basicData, 'get', 200, res.body);
      assert.equal(res.body.vin, VIN);
      assert.equal(res.body.modelName, 'i4 eDrive40');
      const malformed = await call('GET', '/customers/vehicles/wby8p2c05r7a12345/basicData');
      assertCustomerError(malformed, 400, 'CU-120');
      spec.assertResponse(P.basicData, 'get', 400, malformed.body);
      assertCustomerError(await call('GET', '/customers/vehicles/WBY8P2C05R7A1234/basicData'), 400, 'CU-120');
      assertCustomerError(await call('GET', `/customers/vehicles/${VIN_SECONDARY}/basicData`), 403, 'CU-104');
      assertCustomerError(await call('GET', '/customers/vehicles/WBA99999999999999/basicData'), 403, 'CU-104');
      for (const op of ['telematicData?containerId=G00AAAAAAAAAA', 'image', 'smartMaintenanceTyreDiagnosis']) {
        assertCustomerError(await call('GET', `/customers/vehicles/${VIN_SECONDARY}/${op}`), 403, 'CU-104');
      }
    });

    it('answers the image as PNG bytes, or 404 CU-126 for a vehicle without one', async () => {
      const res = await call('GET', `/customers/vehicles/${VIN}/image`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/png');
      assert.ok(spec.responseSchema(P.image, 'get', 200, '*/*'), 'the swagger declares */* bytes');
      assert.ok(res.bytes.length > 100, 'clients treat bodies under 100 bytes as invalid');
      assert.deepEqual([...res.bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      assert.equal(res.bytes.toString('ascii', 12, 16), 'IHDR');
      const [width, height] = [res.bytes.readUInt32BE(16), res.bytes.readUInt32BE(20)];
      const idat = res.bytes.indexOf('IDAT');
      const raw = inflateSync(res.bytes.subarray(idat + 4, idat + 4 + res.bytes.readUInt32BE(idat - 4)));
      assert.equal(raw.length, (width * 4 + 1) * height, 'the image data inflates to width × height RGBA');
      const none = await call('GET', `/customers/vehicles/${VIN_NO_IMAGE}/image`);
      assertCustomerError(none, 404, 'CU-126');
      spec.assertResponse(P.image, 'get', 404, none.body);
    });

    it('answers location-based charging settings page by page with nextToken', async () => {
      const first = await call('GET', `/customers/vehicles/${VIN}/locationBasedChargingSettings`);
      assert.equal(first.status, 200);
      spec.assertResponse(P.lbcs, 'get', 200, first.body);
      assert.equal(first.body.data.length, 2);
      assert.equal(typeof first.body.nextToken, 'string');
      const query = `nextToken=${encodeURIComponent(first.body.nextToken)}`;
      const second = await call('GET', `/customers/vehicles/${VIN}/locationBasedChargingSettings?${query}`);
      spec.assertResponse(P.lbcs, 'get', 200, second.body);
      assert.equal(second.body.data.length, 1);
      assert.equal(second.body.nextToken, undefined);
      const ids = [...first.body.data, ...second.body.data].map((d: any) => d.id);
      assert.equal(new Set(ids).size, 3);
      const bad = await call('GET', `/customers/vehicles/${VIN}/locationBasedChargingSettings?nextToken=bogus`);
      assertCustomerError(bad, 400, 'CU-401');
    });

    it('answers a plausible tyre diagnosis', async () => {
      const res = await call('GET', `/customers/vehicles/${VIN}/smartMaintenanceTyreDiagnosis`);
      assert.equal(res.status, 200);
      spec.assertResponse(P.tyres, 'get', 200, res.body);
      const mounted = res.body.passengerCar.mountedTyres;
      for (const wheel of ['frontLeft', 'frontRight', 'rearLeft', 'rearRight']) {
        assert.equal(mounted[wheel].tyreWear.unit, 'KILOMETER');
        assert.ok(mounted[wheel].tyreWear.dueMileage > 0);
      }
      assert.deepEqual(res.body.passengerCar.unmountedTyres.frontLeft, { label: 'Front left' });
    });
  });

  describe('charging history', () => {
    const path = (q: string) => `/customers/vehicles/${VIN}/chargingHistory?${q}`;
    const window30 = 'from=2026-01-31T10:00:00.000Z&to=2026-03-02T10:00:00.000Z';

    it("answers BMW's shape in Unix seconds, newest first, paged with next_token", async () => {
      const first = await call('GET', path(window30));
      assert.equal(first.status, 200);
      spec.assertResponse(P.history, 'get', 200, first.body);
      assert.equal(first.body.data.length, 10);
      const session = first.body.data[0];
      assert.equal(session.startTime, Date.parse('2026-03-01T18:00:00Z') / 1000);
      assert.equal(session.endTime - session.startTime, 3 * 3600);
      assert.equal(session.totalChargingDurationSec, 3 * 3600);
      assert.equal(session.displayedStartSoc, 30);
      assert.equal(session.mileageUnits, 'MileageUnits.KM');
      assert.equal(session.energyConsumedFromPowerGridKwh, Math.fround(38.42), 'float32 precision, as BMW sends');
      assert.ok(session.publicChargingPoint, 'DC sessions carry public charging point matches');
      assert.ok(
        first.body.data.every((s: any, i: number, all: any[]) => i === 0 || all[i - 1].startTime > s.startTime),
      );
      const second = await call('GET', path(`${window30}&nextToken=${first.body.next_token}`));
      spec.assertResponse(P.history, 'get', 200, second.body);
      assert.equal(second.body.data.length, 2);
      assert.equal(second.body.next_token, undefined);
    });

    it('answers CU-401 for non-ISO times, windows over 45 days and foreign tokens; CU-125 for stale tokens', async () => {
      const unix = await call('GET', path('from=1769853600&to=1772445600'));
      assertCustomerError(unix, 400, 'CU-401');
      spec.assertResponse(P.history, 'get', 400, unix.body);
      assertCustomerError(await call('GET', path('from=2026-03-01&to=2026-03-02')), 400, 'CU-401');
      const days46 = 'from=2026-01-15T10:00:00.000Z&to=2026-03-02T10:00:00.000Z';
      assertCustomerError(await call('GET', path(days46)), 400, 'CU-401');
      const days45 = 'from=2026-01-16T10:00:00Z&to=2026-03-02T10:00:00Z';
      assert.equal((await call('GET', path(days45))).status, 200);
      assertCustomerError(await call('GET', path('from=2026-03-02T10:00:00Z&to=2026-03-01T10:00:00Z')), 400, 'CU-401');
      assertCustomerError(await call('GET', path('from=2026-03-01T10:00:00Z')), 400, 'CU-400');
      assertCustomerError(await call('GET', path(`${window30}&nextToken=bogus`)), 400, 'CU-401');
      const first = await call('GET', path(window30));
      const other = 'from=2026-02-01T10:00:00.000Z&to=2026-03-02T10:00:00.000Z';
      assertCustomerError(await call('GET', path(`${other}&nextToken=${first.body.next_token}`)), 400, 'CU-401');
      h.clock.advance(16 * 60_000);
      const fresh = h.tokens.issue(h.account, [SCOPE_API]).access_token;
      const stale = await call('GET', path(`${window30}&nextToken=${first.body.next_token}`), { token: fresh });
      assertCustomerError(stale, 400, 'CU-125');
    });
  });

  describe('containers and telematicData', () => {
    it('creates, lists, details and deletes containers as BMW does (204, then 208 CU-122)', async () => {
      const created = await call('POST', '/customers/containers', {
        body: { name: 'HV', purpose: 'High voltage battery telemetry', technicalDescriptors: [HV.header, HV.odometer] },
      });
      assert.equal(created.status, 201);
      spec.assertResponse(P.containers, 'post', 201, created.body);
      assert.match(created.body.containerId, /^[A-Z0-9]{13}$/);
      assert.equal(created.body.state, 'ACTIVE');
      assert.match(created.body.created, /\.000Z$/);
      assert.deepEqual(created.body.technicalDescriptors, [HV.header, HV.odometer]);
      const id = created.body.containerId as string;

      const list = await call('GET', '/customers/containers');
      spec.assertResponse(P.containers, 'get', 200, list.body);
      assert.deepEqual(Object.keys(list.body.containers[0]).sort(), [
        'containerId',
        'created',
        'name',
        'purpose',
        'state',
      ]);
      const details = await call('GET', `/customers/containers/${id}`);
      spec.assertResponse(P.container, 'get', 200, details.body);
      assert.deepEqual(details.body, created.body);

      const deleted = await call('DELETE', `/customers/containers/${id}`);
      assert.equal(deleted.status, 204);
      assert.equal(deleted.bytes.length, 0);
      const again = await call('DELETE', `/customers/containers/${id}`);
      assertCustomerError(again, 208, 'CU-122');
      // 208 is observed, not in the swagger: check the body against the error schema itself.
      spec.assertComponent('CustomerErrorResponse', again.body);
      const after = await call('GET', '/customers/containers');
      assert.equal(after.body.containers[0].state, 'DELETED');
      spec.assertResponse(P.containers, 'get', 200, after.body);
    });

    it('answers CU-121 for malformed IDs and CU-105 for containers that are not the caller’s', async () => {
      const malformed = await call('GET', '/customers/containers/abc');
      assertCustomerError(malformed, 400, 'CU-121');
      spec.assertResponse(P.container, 'get', 400, malformed.body);
      assertCustomerError(await call('DELETE', '/customers/containers/G00AAAAAAAAAAA'), 400, 'CU-121');
      const missing = await call('GET', '/customers/containers/G00AAAAAAAAAA');
      assertCustomerError(missing, 403, 'CU-105');
      spec.assertResponse(P.container, 'get', 403, missing.body);
      const other = h.accounts.add({ vins: [] });
      const otherId = h.sim.containers.create(other.gcid, {
        name: 'x',
        purpose: 'y',
        technicalDescriptors: [HV.header],
      });
      assert.ok(otherId.ok);
      const id = otherId.container.containerId;
      assertCustomerError(await call('GET', `/customers/containers/${id}`), 403, 'CU-105');
      assertCustomerError(await call('DELETE', `/customers/containers/${id}`), 403, 'CU-105');
      assertCustomerError(
        await call('GET', `/customers/vehicles/${VIN}/telematicData?containerId=${id}`),
        403,
        'CU-105',
      );
    });

    it('rejects unknown descriptors with CU-402 naming the key, or accepts them by option; never deduplicates', async () => {
      const bad = await call('POST', '/customers/containers', {
        body: { name: 'n', purpose: 'p', technicalDescriptors: [HV.header, 'vehicle.made.up'] },
      });
      assertCustomerError(bad, 400, 'CU-402');
      assert.match(bad.body.exveErrorMsg, /vehicle\.made\.up/);
      spec.assertResponse(P.containers, 'post', 400, bad.body);
      const noName = await call('POST', '/customers/containers', { body: { technicalDescriptors: [HV.header] } });
      assertCustomerError(noName, 400, 'CU-400');
      const broken = await fetch(`${h.base}/customers/containers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"name":',
      });
      assertCustomerError({ status: broken.status, body: await broken.json() }, 400, 'CU-400');
      h.sim.options.unknownDescriptor = 'accept';
      const a = await createContainer([HV.header, 'vehicle.made.up']);
      const b = await createContainer([HV.header, 'vehicle.made.up']);
      assert.notEqual(a, b);
      const data = await call('GET', `/customers/vehicles/${VIN}/telematicData?containerId=${a}`);
      assert.deepEqual(data.body.telematicData['vehicle.made.up'], { value: null, unit: null, timestamp: null });
    });

    it('limits an account to 10 containers, deleted ones included, until they are purged after 29 days', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push(await createContainer([HV.header]));
      for (const id of ids.slice(0, 5)) assert.equal((await call('DELETE', `/customers/containers/${id}`)).status, 204);
      const full = await call('POST', '/customers/containers', {
        body: { name: 'n', purpose: 'p', technicalDescriptors: [HV.header] },
      });
      assertCustomerError(full, 403, 'CU-124');
      spec.assertResponse(P.containers, 'post', 403, full.body);
      h.clock.advance(29 * DAY - 1000);
      token = h.tokens.issue(h.account, DEFAULT_SCOPE.split(' ')).access_token;
      assertCustomerError(
        await call('POST', '/customers/containers', {
          body: { name: 'n', purpose: 'p', technicalDescriptors: [HV.header] },
        }),
        403,
        'CU-124',
      );
      h.clock.advance(1000);
      const list = await call('GET', '/customers/containers');
      assert.equal(list.body.containers.length, 5, 'the deleted ones are gone');
      await createContainer([HV.header]);
      assertCustomerError(await call('GET', `/customers/containers/${ids[0]}`), 403, 'CU-105');
    });

    it("answers a container's descriptors stringified as BMW does, without BASIC_DATA and dedicated keys", async () => {
      const id = await createContainer([
        HV.header,
        HV.odometer,
        HV.longitude,
        HV.status,
        HV.plugged,
        HV.fuel,
        HV.batterySize,
        HV.history,
      ]);
      const res = await call('GET', `/customers/vehicles/${VIN}/telematicData?containerId=${id}`);
      assert.equal(res.status, 200);
      lenient.assertResponse(P.telematic, 'get', 200, res.body);
      const data = res.body.telematicData;
      assert.deepEqual(
        Object.keys(data).sort(),
        [HV.header, HV.longitude, HV.fuel, HV.status, HV.plugged, HV.odometer].sort(),
      );
      assert.deepEqual(data[HV.header], { value: '78', unit: 'percent', timestamp: '2026-03-02T09:58:11.000Z' });
      assert.deepEqual(data[HV.odometer], { value: '23817', unit: null, timestamp: '2026-03-02T09:58:11.000Z' });
      assert.deepEqual(data[HV.longitude], {
        value: '9.498705',
        unit: 'degrees',
        timestamp: '2026-03-02T09:58:42.000Z',
      });
      assert.deepEqual(data[HV.status], { value: 'NOCHARGING', unit: null, timestamp: '2026-03-02T09:58:11.000Z' });
      assert.equal(data[HV.plugged].value, 'true');
      assert.deepEqual(data[HV.fuel], { value: null, unit: null, timestamp: null });
      // The documented nulls are exactly where BMW's own schema (type string) disagrees with BMW's answers.
      assert.deepEqual(
        spec.responseErrors(P.telematic, 'get', 200, res.body).sort(),
        [
          `/telematicData/${HV.fuel}/timestamp must be string`,
          `/telematicData/${HV.fuel}/unit must be string`,
          `/telematicData/${HV.fuel}/value must be string`,
          `/telematicData/${HV.odometer}/unit must be string`,
          `/telematicData/${HV.status}/unit must be string`,
          `/telematicData/${HV.plugged}/unit must be string`,
        ].sort(),
      );

      const noId = await call('GET', `/customers/vehicles/${VIN}/telematicData`);
      assertCustomerError(noId, 400, 'CU-400');
      spec.assertResponse(P.telematic, 'get', 400, noId.body);
      assertCustomerError(
        await call('GET', `/customers/vehicles/${VIN}/telematicData?containerId=short`),
        400,
        'CU-121',
      );
    });

    it('answers CU-105 for a deleted container and after an admin-side drop', async () => {
      const deletedId = await createContainer([HV.header]);
      await call('DELETE', `/customers/containers/${deletedId}`);
      const deleted = await call('GET', `/customers/vehicles/${VIN}/telematicData?containerId=${deletedId}`);
      assertCustomerError(deleted, 403, 'CU-105');
      spec.assertResponse(P.telematic, 'get', 403, deleted.body);
      const id = await createContainer([HV.header]);
      assert.equal((await call('GET', `/customers/vehicles/${VIN}/telematicData?containerId=${id}`)).status, 200);
      assert.equal(h.sim.containers.dropContainer(id), true);
      assertCustomerError(
        await call('GET', `/customers/vehicles/${VIN}/telematicData?containerId=${id}`),
        403,
        'CU-105',
      );
    });
  });

  describe('faults', () => {
    it('answers restStatus while set, restFailNext once per call, and waits restDelayMs', async () => {
      h.faults.set({ restStatus: 503 });
      const unavailable = await call('GET', P.mappings);
      assertCustomerError(unavailable, 503, 'CU-503');
      spec.assertResponse(P.mappings, 'get', 503, unavailable.body);
      h.faults.set({ restStatus: 500 });
      assertCustomerError(await call('GET', P.mappings), 500, 'CU-500');
      h.faults.set({ restStatus: 0, restFailNext: 2 });
      const failed = await call('GET', `/customers/vehicles/${VIN}/basicData`);
      assertCustomerError(failed, 500, 'CU-500');
      spec.assertResponse(P.basicData, 'get', 500, failed.body);
      assertCustomerError(await call('GET', P.mappings), 500, 'CU-500');
      assert.equal((await call('GET', P.mappings)).status, 200);
      h.faults.set({ restDelayMs: 120 });
      const started = performance.now();
      assert.equal((await call('GET', P.mappings)).status, 200);
      assert.ok(performance.now() - started >= 110);
    });
  });
});

describe('simulator HTTP: daily quota', () => {
  let h: Harness;
  let token: string;
  const get = (path = '/customers/vehicles/mappings', bearer: string | null = token) =>
    fetch(h.base + path, { headers: { 'x-version': 'v1', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) } });

  afterEach(() => h.close());

  async function start(options = {}) {
    h = await startSimHttp({ account: { vins: [VIN] }, fleet: fleet(), options });
    token = h.tokens.issue(h.account, DEFAULT_SCOPE.split(' ')).access_token;
  }

  it('allows 50 calls a day, answers the 51st with 403 CU-429, and works again after 00:00 UTC', async () => {
    await start();
    h.clock.advance(Date.parse('2026-03-02T23:00:00Z') - h.clock.now());
    token = h.tokens.issue(h.account, DEFAULT_SCOPE.split(' ')).access_token;
    // Failed calls with a valid token count too; calls without a valid token cannot be attributed and do not.
    assert.equal((await get('/customers/vehicles/WBA99999999999999/basicData')).status, 403);
    assert.equal((await get(undefined, null)).status, 401);
    assert.equal((await get(undefined, 'garbage')).status, 403);
    assert.equal(h.sim.quota.status(h.account.gcid).used, 1);
    for (let i = 1; i < 50; i++) assert.equal((await get()).status, 200, `call ${i + 1}`);
    assert.deepEqual(h.sim.quota.status(h.account.gcid), {
      limit: 50,
      used: 50,
      remaining: 0,
      resetAt: '2026-03-03T00:00:00.000Z',
      window: 'utc-midnight',
    });
    const refused = await get();
    const body = await refused.json();
    assertCustomerError({ status: refused.status, body }, 403, 'CU-429');
    spec.assertResponse(P.mappings, 'get', 403, body);
    assert.equal(refused.headers.get('retry-after'), null, 'BMW never sent Retry-After');
    assert.equal(h.sim.quota.status(h.account.gcid).used, 50, 'refused calls are not counted');
    h.clock.advance(3600_000 - 1000);
    token = h.tokens.issue(h.account, DEFAULT_SCOPE.split(' ')).access_token;
    assert.equal((await get()).status, 403, 'still the same UTC day at 23:59:59');
    h.clock.advance(1000);
    assert.equal((await get()).status, 200, 'a new UTC day');
    assert.equal(h.sim.quota.status(h.account.gcid).used, 1);
  });

  it('answers 429 with Retry-After by option, and counts a rolling 24 h window by option', async () => {
    await start({ quotaLimit: 3, quotaStatus: 429, retryAfter: true, quotaWindow: 'rolling' });
    h.clock.advance(Date.parse('2026-03-02T23:00:00Z') - h.clock.now());
    token = h.tokens.issue(h.account, DEFAULT_SCOPE.split(' ')).access_token;
    for (let i = 0; i < 3; i++) assert.equal((await get()).status, 200);
    const refused = await get();
    const body = await refused.json();
    assertCustomerError({ status: refused.status, body }, 429, 'CU-429');
    spec.assertComponent('CustomerErrorResponse', body);
    assert.equal(refused.headers.get('retry-after'), String(24 * 3600));
    h.clock.advance(2 * 3600_000);
    token = h.tokens.issue(h.account, DEFAULT_SCOPE.split(' ')).access_token;
    assert.equal((await get()).status, 429, 'midnight UTC does not reset a rolling window');
    h.clock.advance(22 * 3600_000);
    token = h.tokens.issue(h.account, DEFAULT_SCOPE.split(' ')).access_token;
    assert.equal((await get()).status, 200);
  });
});
