/** The message contract's helpers (src/nodes/lib/messages.ts): fast paths that must equal the plain ones. */
import assert from 'node:assert/strict';
import { formatIso, newMessageId, readingMessage } from '../../src/nodes/lib/messages';

describe('message helpers', () => {
  it('formats instants exactly as toISOString does, across days, years and the epoch', () => {
    const instants = [0, -1, 1, 86_399_999, 86_400_000, Date.UTC(2024, 1, 29, 23, 59, 59, 999), 253402300800000];
    for (let i = 0; i < 2000; i++) instants.push(Math.floor((Math.random() - 0.3) * 4e12));
    // Alternating between two days, as a message's measuring and arrival times do.
    for (let i = 0; i < 50; i++) instants.push(Date.UTC(2026, 0, 1) + i, Date.UTC(2026, 10, 23) + i * 1000);
    for (const ms of instants) assert.equal(formatIso(ms), new Date(ms).toISOString(), String(ms));
    assert.equal(formatIso(1.5), new Date(1.5).toISOString());
    assert.throws(() => formatIso(NaN), RangeError);
  });

  it('gives every message its own 16-hex-digit id', () => {
    const ids = Array.from({ length: 1000 }, () => newMessageId());
    assert.ok(ids.every((id) => /^[0-9a-f]{16}$/.test(id)));
    assert.equal(new Set(ids).size, ids.length);
  });

  it('builds each reading message with attributes of its own', () => {
    const reading = { descriptor: 'vehicle.x', value: 1, unit: null, measuredAt: null };
    const a = readingMessage('WBA00000000000001', reading, 0, 'stream');
    const b = readingMessage('WBA00000000000001', reading, 0, 'stream');
    assert.notEqual(a.attributes, b.attributes);
    assert.deepEqual(a.attributes, { source: 'stream', timestamp_missing: true });
    assert.equal('unit' in a, false, 'no unit key when BMW sent none');
  });
});
