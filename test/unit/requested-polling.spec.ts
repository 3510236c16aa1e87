/** The charge-end poll's queue: a failure is reported and does not stop the requests after it. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/cardata/clock';
import { startRequestedPolling } from '../../src/nodes/lib/polling';

const VIN = 'WBA00000000000001';

describe('requested polling (predicted-soc’s charge-end poll)', () => {
  let userDir: string;
  beforeEach(() => (userDir = mkdtempSync(join(tmpdir(), 'requested-polling-'))));
  afterEach(() => rmSync(userDir, { recursive: true, force: true }));

  it('reports a state file it cannot write, and still answers the next request', async () => {
    // The state dir is a file: the planner's state cannot be written.
    writeFileSync(join(userDir, 'cardata'), 'not a directory');
    const polled: string[] = [];
    const skipped: string[] = [];
    const errors: Error[] = [];
    const account = { telematicData: () => Promise.resolve({ data: { telematicData: {} } }) };
    const polling = startRequestedPolling({
      RED: { settings: { userDir } } as never,
      node: { id: 'p' } as never,
      accountNode: { account } as never,
      clock: new ManualClock(Date.parse('2026-03-02T10:00:00Z')),
      budget: 6,
      onPoll: (vin) => polled.push(vin),
      onSkip: (vin, _reason, skip) => skipped.push(`${vin} ${skip}`),
      onError: (err) => errors.push(err),
    });
    polling.request(VIN, 'charge_end');
    polling.request(VIN, 'charge_end');
    await assert.rejects(polling.stop(), /EEXIST|ENOTDIR/);
    assert.deepEqual(polled, [VIN]);
    // Each request was handled and its failure reported: the first one's did not stop the second.
    assert.equal(errors.length, 2, errors.map((e) => e.message).join('; '));
    for (const err of errors) assert.match(err.message, /EEXIST|ENOTDIR/);
    assert.deepEqual(skipped, []);
  });
});
