import assert from 'node:assert/strict';
import { QuotaLedger } from '../../src/cardata/quota-ledger';

const at = (iso: string) => Date.parse(iso);

describe('quota ledger', () => {
  it('allows the limit and refuses the next call, without recording the refusal', () => {
    const ledger = new QuotaLedger(3);
    const now = at('2026-03-02T10:00:00Z');
    assert.equal(ledger.tryReserve(now), true);
    assert.equal(ledger.tryReserve(now + 1), true);
    assert.equal(ledger.tryReserve(now + 2), true);
    assert.equal(ledger.tryReserve(now + 3), false);
    assert.deepEqual(ledger.snapshot(now + 3), {
      limit: 3,
      used: 3,
      remaining: 0,
      resetsAt: '2026-03-03T10:00:00.000Z',
    });
  });

  it('needs both windows to have room: after midnight UTC the rolling day still counts yesterday evening', () => {
    const ledger = new QuotaLedger(2);
    ledger.tryReserve(at('2026-03-02T23:00:00Z'));
    ledger.tryReserve(at('2026-03-02T23:30:00Z'));
    assert.equal(ledger.remaining(at('2026-03-03T00:10:00Z')), 0, 'rolling 24 h still full just after midnight');
    assert.equal(ledger.remaining(at('2026-03-03T23:00:00.000Z')), 1);
    assert.equal(ledger.snapshot(at('2026-03-03T00:10:00Z')).resetsAt, '2026-03-03T23:00:00.000Z');
  });

  it('stops until the next UTC midnight when BMW says the quota is spent, or until Retry-After', () => {
    const ledger = new QuotaLedger(50);
    const now = at('2026-03-02T10:00:00Z');
    ledger.block(now);
    assert.equal(ledger.tryReserve(now + 60_000), false);
    assert.equal(ledger.snapshot(now).blockedUntil, '2026-03-03T00:00:00.000Z');
    assert.equal(ledger.remaining(at('2026-03-03T00:00:00Z')), 50);
    const other = new QuotaLedger(50);
    other.block(now, 120_000);
    assert.equal(other.remaining(now + 119_999), 0);
    assert.equal(other.remaining(now + 120_000), 50);
  });

  it('survives a round trip through JSON (persisted across restarts)', () => {
    const ledger = new QuotaLedger(5);
    const now = at('2026-03-02T10:00:00Z');
    ledger.tryReserve(now);
    ledger.tryReserve(now + 1000);
    const restored = new QuotaLedger(5, JSON.parse(JSON.stringify(ledger.toJSON())));
    assert.equal(restored.remaining(now + 2000), 3);
  });

  it('forgets calls older than both windows', () => {
    const ledger = new QuotaLedger(5);
    ledger.tryReserve(at('2026-03-01T10:00:00Z'));
    ledger.tryReserve(at('2026-03-03T10:00:00Z'));
    assert.equal(ledger.toJSON().calls.length, 1);
  });
});
