import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LastKnownStore } from '../../src/cardata/last-known';

const VIN = 'WBA00000000000001';
const T0 = Date.parse('2026-03-02T10:00:00Z');

describe('last known values per VIN', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cardata-lastknown-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const message = (data: Record<string, unknown>) =>
    ({ vin: VIN, timestamp: new Date(T0).toISOString(), data }) as never;

  it('keeps the newest value per descriptor and restores it after a restart', () => {
    const path = join(dir, 'a.last-known.json');
    const store = new LastKnownStore(path, 10_000);
    store.record(message({ soc: { value: 50, unit: 'percent', timestamp: '2026-03-02T09:59:00Z' } }), T0);
    store.record(message({ soc: { value: 51, unit: 'percent' }, door: { value: 'LOCKED' } }), T0 + 1000);
    store.flush(T0 + 2000);
    const restored = new LastKnownStore(path).messages(VIN);
    assert.equal(restored.length, 1);
    assert.deepEqual(restored[0].message.data, { soc: { value: 51, unit: 'percent' }, door: { value: 'LOCKED' } });
    assert.equal(restored[0].receivedAt, T0 + 1000);
  });

  it('coalesces writes while messages stream in', () => {
    const path = join(dir, 'b.last-known.json');
    const store = new LastKnownStore(path, 10_000);
    store.record(message({ soc: { value: 50 } }), T0 + 10_000);
    assert.ok(existsSync(path), 'the first record writes');
    rmSync(path);
    store.record(message({ soc: { value: 51 } }), T0 + 15_000);
    assert.equal(existsSync(path), false, 'the next one, 5 s later, waits');
    store.record(message({ soc: { value: 52 } }), T0 + 20_000);
    assert.ok(existsSync(path));
  });

  it('updates values in place without changing what messages() already returned', () => {
    const store = new LastKnownStore(join(dir, 'd.last-known.json'), 10_000);
    store.record(message({ soc: { value: 50, unit: '%' } }), T0);
    const before = store.messages(VIN)[0].message.data;
    store.record(message({ soc: { value: 51, unit: '%' } }), T0 + 1000);
    assert.equal(before.soc.value, 50);
    assert.equal(store.messages(VIN)[0].message.data.soc.value, 51);
  });

  it('replaces an entry a hand-edited file spoiled instead of failing on it', () => {
    const path = join(dir, 'e.last-known.json');
    writeFileSync(path, JSON.stringify({ [VIN]: { soc: 'garbage' } }));
    const store = new LastKnownStore(path, 10_000);
    store.record(message({ soc: { value: 52 } }), T0);
    assert.equal(store.messages(VIN)[0].message.data.soc.value, 52);
  });

  it('starts empty on a damaged file instead of failing', () => {
    const path = join(dir, 'c.last-known.json');
    writeFileSync(path, '{"WBA');
    assert.deepEqual(new LastKnownStore(path).messages(), []);
  });
});
