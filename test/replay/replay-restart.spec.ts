/** `restart` lines: persist everything, drop the in-memory state, reload — at once or after a downtime. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_FILE } from '../../src/cli/replay';
import { P50, ReplayRun, VIN, iso, near, secondsOf, tempDir } from './helpers/trace';

const charge = `${P50}; TICK 30..1800`;
const rest = 'EVAL 2400; MSG 2410 {HDR=57 %}; EVAL 3000; MSG 3600 {STAT=NOCHARGING, HDR=62 %}; EVAL 3700';

describe('replay — restart', () => {
  it('a mid-session restart without downtime gives exactly the output of no restart, learning included', () => {
    const straight = new ReplayRun(`${charge}; ${rest}`);
    const restarted = new ReplayRun(`${charge}; RESTART 1815; ${rest}`);
    assert.deepEqual(restarted.errors, []);
    assert.deepEqual(restarted.outputs, straight.outputs);
    assert.equal(straight.ofEvent('learning_updated').length, 1, 'the session learned');
  });

  it('restarts at the instant of a heartbeat change nothing either', () => {
    const straight = new ReplayRun(`${charge}; ${rest}`);
    const restarted = new ReplayRun(`${charge}; RESTART 1800; RESTART 1800; ${rest}`);
    assert.deepEqual(restarted.outputs, straight.outputs);
  });

  it('a restart writes the state dir: learning and the open session, one JSON object per VIN', () => {
    const stateDir = tempDir();
    try {
      new ReplayRun(`${charge}; RESTART 1800 2400`, { stateDir });
      const saved = JSON.parse(readFileSync(join(stateDir, STATE_FILE), 'utf8')) as {
        version: number;
        vehicles: Record<string, { engines: { charging: { state: { state: { charging: boolean } } } } }>;
      };
      assert.equal(saved.version, 1);
      assert.deepEqual(Object.keys(saved.vehicles), [VIN]);
      assert.equal(saved.vehicles[VIN]?.engines.charging.state.state.charging, true);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('while down nothing fires and nothing is received; the process comes back at downUntil on the same grid', () => {
    const r = new ReplayRun(`${charge}; RESTART 1800 2415; MSG 2000 {HDR=60 %}; EVAL 2100; EVAL 2420`);
    assert.equal(r.errors.length, 2);
    assert.match(r.errors[0] ?? '', /^line 4: arrived while the process is down \(until 2026-03-02T10:40:15\.000Z\)/);
    assert.match(r.errors[1] ?? '', /^line 5: /);
    const times = r.outputs.map(secondsOf);
    // No heartbeat between 1800 and 2415; the next one (2430) is after the last line.
    assert.deepEqual(
      times.filter((t) => t > 1800),
      [2420],
    );
    // BMW's 60 % was never received; the restored session is credited 600 s of the 620 s downtime at its last power.
    const p = r.predictionAt(2420);
    assert.equal(p.attributes.bmw_soc, 50);
    near(p.attributes.raw, 50 + (5.37 + (10.74 * 600) / 3600) * 1.125);
  });

  it('heartbeats resume at the first grid point at or after downUntil', () => {
    const r = new ReplayRun(`${charge}; RESTART 1800 2400; EVAL 2460`);
    const times = r
      .predictions()
      .map(secondsOf)
      .filter((t) => t > 1800);
    // 2400 is on the grid (every 30 s from -600): it fires as the process starts, before the eval line at 2460.
    assert.deepEqual(times, [2400, 2430, 2460, 2460]);
  });

  it('a downtime that ends after the last line leaves the state in the state dir', () => {
    const stateDir = tempDir();
    try {
      const first = new ReplayRun(`${charge}; RESTART 1800 99999`, { stateDir });
      assert.deepEqual(first.errors, []);
      assert.ok(existsSync(join(stateDir, STATE_FILE)));
      const second = new ReplayRun([JSON.stringify({ at: iso(2400), kind: 'eval' })], { stateDir });
      near(second.predictionAt(2400).attributes.raw, 58.055);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
