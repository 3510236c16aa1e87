import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenFile } from '../../src/cardata/token-file';

const WRITER = join(__dirname, '..', 'fixtures', 'token-writer.js');

/**
 * A process killed (SIGKILL, no clean-up) at random points while it rotates tokens as fast as it can must always
 * leave a token file that reads back whole: one complete set, never a torn or empty file.
 */
describe('token file under SIGKILL at random points', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'cardata-crash-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('always holds a complete token set, the last one written or the one before it', async () => {
    const path = join(dir, 'acc.tokens.json');
    let last = 0;
    const kills = 60;
    for (let round = 0; round < kills; round++) {
      const child = fork(WRITER, [path, String(last)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      let reported = last;
      child.on('message', (n) => (reported = Number(n)));
      await new Promise<void>((resolve) => child.once('message', () => resolve()));
      await new Promise((r) => setTimeout(r, Math.random() * 40));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));

      const { tokens, problem } = new TokenFile(path).load();
      assert.equal(problem, undefined, `round ${round}: ${problem}`);
      assert.ok(tokens, `round ${round}: no tokens`);
      const generation = tokens.expiresAt;
      assert.equal(tokens.accessToken, `access-${generation}`, 'fields of one set, not a mix');
      assert.equal(tokens.refreshToken, `refresh-${generation}`);
      assert.ok(tokens.idToken?.startsWith(`id-${generation}-`));
      assert.ok(generation >= reported, `round ${round}: went back from ${reported} to ${generation}`);
      last = generation;
    }
    const leftovers = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
    // Each write clears what killed writers left, so at most the last killed one's temp file remains.
    assert.ok(leftovers.length <= 1, `temp files left by killed writers: ${leftovers.join(', ')}`);
  });
});
