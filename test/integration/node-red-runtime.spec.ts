import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnNode, waitFor, type Spawned } from '../helpers/processes';

const START = join(__dirname, '..', '..', 'dist', 'cli', 'start-demo.js');

/**
 * `npm start` for real: the simulator and a real Node-RED (4.1 by default; CI runs this file again with Node-RED 5
 * under Node 22 through CARDATA_NODE_RED_DIR), the package loaded from the working tree and the demo flow deployed.
 */
interface PackageJson {
  'node-red': { nodes: Record<string, string> };
}

describe('npm start: Node-RED with the package and the demo flow against the simulator', function () {
  this.timeout(90_000);
  let demo: Spawned;
  let url: string;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cardata-demo-test-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    demo = spawnNode(START, [], { PORT: String(port), CARDATA_DEMO_DIR: dir, CARDATA_LOG_LEVEL: 'warn' });
    await waitFor(
      async () => {
        if (demo.child.exitCode !== null) throw new Error(`demo exited: ${demo.stderr()}`);
        const res = await fetch(`${url}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } });
        return res.ok ? true : undefined;
      },
      60_000,
      250,
    );
  });

  after(async () => {
    const code = await demo.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 0, `the demo should stop cleanly; stderr: ${demo.stderr()}`);
  });

  it('serves the editor on PORT', async () => {
    const res = await fetch(`${url}/`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<title>Node-RED<\/title>/);
    const settings = (await (await fetch(`${url}/settings`)).json()) as { version: string };
    // 4.x from the project's devDependency; CI's second run sets 5 and points at Node-RED 5 under Node 22.
    const major = process.env.CARDATA_EXPECT_NODE_RED_MAJOR ?? '4';
    assert.match(settings.version, new RegExp(`^${major}\\.`));
  });

  it('runs the demo flow, wired to the simulator', async () => {
    const res = await fetch(`${url}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } });
    const { flows } = (await res.json()) as { flows: { type: string; url?: string; label?: string }[] };
    assert.ok(flows.some((n) => n.type === 'tab' && n.label === 'BMW CarData demo'));
    const truth = flows.find((n) => n.type === 'http request');
    assert.match(truth?.url ?? '', /^http:\/\/127\.0\.0\.1:\d+\/sim\/state$/);
    const state = await fetch(truth!.url!);
    assert.equal(state.status, 200, 'the simulator the flow points at is up');
  });

  it('loads the package, logs the demo account in without clicks, and its stream connects', async () => {
    const nodes = (await (await fetch(`${url}/nodes`, { headers: { Accept: 'application/json' } })).json()) as {
      module: string;
      types: string[];
      err?: string;
    }[];
    const ours = nodes.filter((n) => n.module === 'node-red-contrib-bmw-cardata');
    // Every node the package declares, and nothing else.
    const declared = Object.keys(
      (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as PackageJson)['node-red'].nodes,
    );
    assert.ok(declared.includes('cardata-magic-soc'));
    assert.deepEqual(ours.flatMap((n) => n.types).sort(), declared.sort());
    for (const set of ours) assert.equal(set.err, undefined, `node set failed to load: ${set.err}`);
    const status = await waitFor(async () => {
      const res = await fetch(`${url}/cardata-account/cardata-demo-account/status`);
      const body = (await res.json()) as { loggedIn: boolean; stream?: { health: string } };
      return body.loggedIn && body.stream?.health === 'connected' ? body : undefined;
    }, 30_000);
    assert.equal(status.loggedIn, true);
  });

  it('runs magic SOC with the speed from the simulator’s Traccar, whose token it decrypted from flows_cred.json', async () => {
    const res = await fetch(`${url}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } });
    const { flows } = (await res.json()) as { flows: { type: string; id: string; url?: string }[] };
    assert.ok(flows.some((n) => n.type === 'cardata-magic-soc'));
    assert.ok(flows.some((n) => n.type === 'cardata-traccar-speed'));
    const server = flows.find((n) => n.type === 'cardata-traccar');
    assert.match(server?.url ?? '', /^http:\/\/127\.0\.0\.1:\d+\/traccar$/);
    // The device list goes through the deployed config node with its token: a wrong or missing one gives 502.
    const devices = await fetch(`${url}/cardata-traccar/${server!.id}/devices`);
    assert.equal(devices.status, 200, await devices.clone().text());
    const body = (await devices.json()) as { devices: { name: string }[] };
    assert.ok(body.devices.length > 0);
  });
});
