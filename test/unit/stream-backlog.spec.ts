/** Arrivals handed on a few per turn of the event loop (src/cardata/stream-backlog.ts). */
import assert from 'node:assert/strict';
import { StreamBacklog } from '../../src/cardata/stream-backlog';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const payload = (n: number) => Buffer.from(String(n));

describe('stream backlog', () => {
  it('hands on every payload in arrival order, at most a few per turn, with its arrival time', async () => {
    const seen: [string, number][] = [];
    const backlog = new StreamBacklog((p, at) => seen.push([p.toString(), at]), 32);
    for (let n = 0; n < 100; n++) backlog.add(payload(n), 1000 + n);
    assert.equal(seen.length, 0, 'nothing is handed on in the turn it arrived');
    await nextTurn();
    assert.equal(seen.length, 32);
    while (backlog.waiting > 0) await nextTurn();
    assert.deepEqual(
      seen,
      Array.from({ length: 100 }, (_, n) => [String(n), 1000 + n]),
    );
  });

  it('pauses the socket while too many wait and resumes it once half of them are handed on', async () => {
    const calls: string[] = [];
    const socket = { pause: () => calls.push('pause'), resume: () => calls.push('resume') };
    const backlog = new StreamBacklog(() => undefined, 10, 40);
    for (let n = 0; n < 45; n++) backlog.add(payload(n), n, socket);
    assert.deepEqual(calls, ['pause'], 'paused once, at 40 waiting');
    await nextTurn();
    await nextTurn();
    assert.deepEqual(calls, ['pause'], '25 still waiting');
    await nextTurn();
    assert.deepEqual(calls, ['pause', 'resume'], '15 waiting');
  });

  it('hands on everything at once when asked, as the stream does on stop', () => {
    const seen: string[] = [];
    const backlog = new StreamBacklog((p) => seen.push(p.toString()), 2);
    for (let n = 0; n < 5; n++) backlog.add(payload(n), n);
    backlog.handOn(Infinity);
    assert.deepEqual(seen, ['0', '1', '2', '3', '4']);
    assert.equal(backlog.waiting, 0);
  });
});
