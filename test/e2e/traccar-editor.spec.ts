import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CarDataSimulator } from '../../src/sim/simulator';
import { SHOTS, deploy, openEditor, requireChromium, waitForNode, type Editor } from '../helpers/editor';

/**
 * Setting up Traccar in a real Node-RED editor (headless Chromium): a new Traccar server from the speed node's dialog,
 * a VIN mapped in the table, deploy, device names loaded from the deployed server, a trip started from an inject node,
 * and the node's status turning green. The token is in no flow file and no admin answer.
 */
describe('editor: Traccar server and speed node (real Node-RED, headless Chromium)', function () {
  this.timeout(120_000);
  let sim: CarDataSimulator;
  let editor: Editor;

  before(async function () {
    requireChromium(this);
    sim = await CarDataSimulator.start({ vehicles: 1 });
    const vin = sim.ready.vins[0];
    editor = await openEditor([
      { id: 't1', type: 'tab', label: 'e2e' },
      {
        id: 'go',
        type: 'inject',
        z: 't1',
        props: [{ p: 'topic', vt: 'str' }, { p: 'payload' }],
        topic: `${vin}/trip`,
        payload: 'started',
        payloadType: 'str',
        name: '',
        repeat: '',
        crontab: '',
        once: false,
        onceDelay: 0.1,
        x: 100,
        y: 100,
        wires: [['ts1']],
      },
      {
        id: 'ts1',
        type: 'cardata-traccar-speed',
        z: 't1',
        name: 'gps speed',
        traccar: '',
        vinMap: '',
        mode: 'trip',
        output: 'contract',
        x: 300,
        y: 100,
        wires: [[]],
      },
    ]);
  });

  after(async () => {
    await editor?.close();
    await sim?.stop();
  });

  it('configures Traccar in the dialogs, deploys, loads device names and shows the speed', async () => {
    const vin = sim.ready.vins[0];
    const device = sim.traccar.devices[0].name;
    const { page, url } = editor;
    await waitForNode(page, url, 'ts1');
    await page.locator('g[id="ts1"] rect.red-ui-flow-node').dblclick();
    await page.waitForSelector('#node-input-traccar', { state: 'attached' });
    await page.locator('#node-input-btn-traccar-add').click();
    await page.waitForSelector('#node-config-input-url', { state: 'visible' });
    await page.fill('#node-config-input-url', sim.traccar.url);
    await page.fill('#node-config-input-token', sim.traccar.token);
    await page.click('#node-config-dialog-ok');

    // Not deployed yet: the dialog says so instead of failing.
    await page.click('#cardata-traccar-load');
    await page.waitForFunction(() => /Deploy the Traccar server first/.test(document.body.innerText));

    await page.locator('.red-ui-editableList-addButton').first().click();
    await page.fill('.cardata-traccar-vin', vin.toLowerCase());
    await page.fill('.cardata-traccar-device', device);
    await page.screenshot({ path: join(SHOTS, 'traccar-speed-dialog.png') });
    await page.click('#node-dialog-ok');
    await deploy(page);

    const flows = (await (await fetch(`${url}/flows`)).json()) as Record<string, unknown>[];
    const speed = flows.find((n) => n.id === 'ts1')!;
    assert.equal(speed.vinMap, `${vin}:${device}`);
    const server = flows.find((n) => n.type === 'cardata-traccar')!;
    assert.equal(server.url, sim.traccar.url);
    const files = ['flows.json', 'flows_cred.json'].map((f) => readFileSync(join(editor.dir, f), 'utf8'));
    for (const text of [JSON.stringify(flows), ...files]) assert.ok(!text.includes(sim.traccar.token));

    // Deployed: the names come from the server, and the admin answer has no token.
    const listed = await fetch(`${url}/cardata-traccar/${String(server.id)}/devices`);
    const body = await listed.text();
    assert.equal(listed.status, 200);
    assert.ok(body.includes(device) && !body.includes(sim.traccar.token));
    await page.locator('g[id="ts1"] rect.red-ui-flow-node').dblclick();
    await page.waitForSelector('.cardata-traccar-vin', { state: 'visible' });
    assert.equal(await page.inputValue('.cardata-traccar-vin'), vin);
    await page.click('#cardata-traccar-load');
    await page.waitForFunction(() => /1 device\(s\) on the server/.test(document.body.innerText));
    assert.equal(await page.locator('#cardata-traccar-devices option').count(), 1);
    await page.click('#node-dialog-cancel');

    // A trip starts: one poll at once, and the status shows the speed.
    assert.equal((await fetch(`${url}/inject/go`, { method: 'POST' })).status, 200);
    await page.waitForFunction(
      () => {
        const red = (window as unknown as { RED: { nodes: { node(id: string): { status?: { fill?: string } } } } }).RED;
        return red.nodes.node('ts1')?.status?.fill === 'green';
      },
      undefined,
      { timeout: 30_000 },
    );
    await page.screenshot({ path: join(SHOTS, 'traccar-speed-status.png') });
  });
});
