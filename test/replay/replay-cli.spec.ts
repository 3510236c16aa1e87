/**
 * The compiled `cardata-replay` command as other tools run it: a trace on stdin, JSON lines on stdout. Build first
 * (`npx tsc -p tsconfig.json`); `npm test` does.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runReplay, STATE_FILE } from '../../src/cli/replay';
import { P50, tempDir, trace } from './helpers/trace';

const BIN = join(__dirname, '..', '..', 'dist', 'cli', 'cardata-replay.js');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function replay(args: string[], stdin: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('cardata-replay command (the compiled bin, a real process)', function () {
  this.timeout(20_000);
  let stateDir: string;

  before(function () {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build first with npx tsc -p tsconfig.json`);
  });
  beforeEach(() => (stateDir = tempDir()));
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  it('reads a trace on stdin and writes exactly the contract’s lines on stdout', async () => {
    const lines = trace(`${P50}; EVAL 95; MSG 100 {STAT=NOCHARGING}`);
    const result = await replay(['--state-dir', stateDir, '--vehicle', '{"capacityKwh":80}'], `${lines.join('\n')}\n`);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const out = result.stdout.split('\n');
    assert.equal(out.pop(), '', 'every line ends with a newline');
    const parsed = out.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const line of parsed) {
      assert.deepEqual(Object.keys(line), ['at', 'node', 'vin', 'topic', 'payload', 'attributes']);
    }
    // Magic SOC runs beside it: while the car charges, it is the charging prediction.
    const magic = parsed.filter((l) => l.node === 'magic-soc');
    assert.deepEqual(
      magic.map((l) => [l.at, l.payload, (l.attributes as Record<string, unknown>).prediction_mode]),
      [
        ['2026-03-02T09:50:00.000Z', 50, 'passthrough'],
        ['2026-03-02T10:00:00.000Z', 50, 'charging'],
        ['2026-03-02T10:00:30.000Z', 50.1, 'charging'],
        ['2026-03-02T10:01:00.000Z', 50.2, 'charging'],
        ['2026-03-02T10:01:30.000Z', 50.3, 'charging'],
        ['2026-03-02T10:01:35.000Z', 50.3, 'charging'],
        ['2026-03-02T10:01:40.000Z', 50.3, 'passthrough'],
      ],
    );
    assert.deepEqual(
      parsed.filter((l) => l.node === 'predicted-soc').map((l) => [l.at, l.topic, l.payload]),
      [
        ['2026-03-02T09:50:00.000Z', 'WBA00000000000001/predicted_soc', 50],
        ['2026-03-02T10:00:00.000Z', 'WBA00000000000001/event', 'charge_started'],
        ['2026-03-02T10:00:00.000Z', 'WBA00000000000001/predicted_soc', 50],
        ['2026-03-02T10:00:30.000Z', 'WBA00000000000001/predicted_soc', 50.1],
        ['2026-03-02T10:01:00.000Z', 'WBA00000000000001/predicted_soc', 50.2],
        ['2026-03-02T10:01:30.000Z', 'WBA00000000000001/predicted_soc', 50.3],
        ['2026-03-02T10:01:35.000Z', 'WBA00000000000001/predicted_soc', 50.3],
        ['2026-03-02T10:01:40.000Z', 'WBA00000000000001/event', 'charge_ended'],
        ['2026-03-02T10:01:40.000Z', 'WBA00000000000001/predicted_soc', 50.3],
      ],
    );
    // The same engine as in process, line for line.
    const other = tempDir();
    try {
      const inProcess = runReplay(lines, { stateDir: other, vehicle: { capacityKwh: 80 } });
      assert.deepEqual(parsed, JSON.parse(JSON.stringify(inProcess.outputs)));
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
    const saved = JSON.parse(readFileSync(join(stateDir, STATE_FILE), 'utf8')) as { vehicles: object };
    assert.deepEqual(Object.keys(saved.vehicles), ['WBA00000000000001']);
  });

  it('reports a bad line on stderr with its number, goes on, and still exits 0', async () => {
    const [first = '', ...others] = trace('MSG 0 {HDR=50 %}; EVAL 10');
    const result = await replay([], [first, '{"at": 1}', ...others].join('\n'));
    assert.equal(result.code, 0);
    assert.match(result.stderr, /^cardata-replay: line 2: "at" is not an ISO time: 1; skipped\n$/);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { node: string; at: string });
    assert.deepEqual(
      lines.filter((line) => line.node === 'predicted-soc').map((line) => line.at),
      ['2026-03-02T10:00:00.000Z', '2026-03-02T10:00:10.000Z'],
    );
  });

  it('refuses a bad command line with exit 2 and the usage; --help prints it with exit 0', async () => {
    const bad = await replay(['--vehicle', '{"powertrain":"diesel"}'], '');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--vehicle powertrain must be "BEV" or "PHEV"/);
    assert.match(bad.stderr, /Usage: cardata-replay/);
    assert.equal(bad.stdout, '');
    const help = await replay(['--help'], '');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--state-dir DIR/);
  });
});
