import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CarDataSimulator } from '../../src/sim/simulator';
import { SHOTS, deploy, openEditor, requireChromium, waitForNode, type Editor } from '../helpers/editor';

/**
 * A person's first day: in a real Node-RED editor in headless Chromium, add an account from a vehicle-stream node,
 * enter the client ID, start the login, approve it on the simulator's BMW page, see the dialog say so, deploy, and
 * watch the node's status turn green.
 */
describe('editor: log in with BMW from the account dialog (real Node-RED, headless Chromium)', function () {
  this.timeout(120_000);
  let sim: CarDataSimulator;
  let editor: Editor;

  before(async function () {
    requireChromium(this);
    sim = await CarDataSimulator.start({ vehicles: 1, speed: 60, http: { pollIntervalSec: 1 } });
    editor = await openEditor([
      { id: 't1', type: 'tab', label: 'e2e' },
      {
        id: 'vs1',
        type: 'cardata-vehicle-stream',
        z: 't1',
        name: 'my car',
        account: '',
        vin: '',
        descriptors: '',
        output: 'descriptor',
        onlyOnChange: false,
        streamHealth: true,
        x: 200,
        y: 100,
        wires: [[]],
      },
    ]);
  });

  after(async () => {
    await editor?.close();
    await sim?.stop();
  });

  it('adds an account, logs in through the approval page, deploys, and the stream node turns green', async () => {
    const { page, url } = editor;
    await waitForNode(page, url, 'vs1');
    await page.locator('g[id="vs1"] rect.red-ui-flow-node').dblclick();
    await page.waitForSelector('#node-input-account', { state: 'attached' });
    // Node-RED 4+ has its own "+" button for a new config node.
    await page.locator('#node-input-btn-account-add').click();
    await page.waitForSelector('#node-config-input-clientId', { state: 'visible' });

    // A client ID BMW does not know: the dialog says what to do, in the editor's language.
    await page.fill('#node-config-input-clientId', '00000000-0000-4000-8000-000000000000');
    await page.selectOption('#node-config-input-server', 'custom');
    await page.fill('#node-config-input-authBaseUrl', sim.ready.authBaseUrl);
    await page.fill('#node-config-input-apiBaseUrl', sim.ready.apiBaseUrl);
    await page.fill('#node-config-input-mqttHost', sim.ready.mqtt.host);
    await page.fill('#node-config-input-mqttPort', String(sim.ready.mqtt.port));
    await page.click('#cardata-login-start');
    await page.waitForSelector('#cardata-login-state[data-state="error"]');
    assert.match(
      (await page.locator('#cardata-login-state').textContent()) ?? '',
      // The locale's wording ("ID: copy"), not the runtime's English detail ("ID. Copy").
      /BMW does not know this client ID: copy it again from the BMW portal/,
    );

    await page.fill('#node-config-input-clientId', sim.ready.clientId);
    await page.selectOption('#node-config-input-server', 'custom');
    await page.fill('#node-config-input-authBaseUrl', sim.ready.authBaseUrl);
    await page.fill('#node-config-input-apiBaseUrl', sim.ready.apiBaseUrl);
    await page.fill('#node-config-input-mqttHost', sim.ready.mqtt.host);
    await page.fill('#node-config-input-mqttPort', String(sim.ready.mqtt.port));
    await page.fill('#node-config-input-caFile', sim.ready.mqtt.caFile);
    await page.click('#cardata-login-start');

    const link = page.locator('#cardata-login-link');
    await link.waitFor({ state: 'visible' });
    const code = (await page.locator('#cardata-login-code').textContent())?.trim() ?? '';
    assert.match(code, /^[A-Za-z]{8}$/);
    await page.screenshot({ path: join(SHOTS, 'account-login-code.png') });

    // The person opens the link and approves on "BMW's" page.
    const bmw = await editor.context.newPage();
    await bmw.goto((await link.getAttribute('href'))!);
    assert.equal(await bmw.inputValue('#user_code'), code);
    await bmw.click('#approve');
    await bmw.waitForLoadState();
    await bmw.close();

    await page.waitForSelector('#cardata-login-state[data-state="approved"]', { timeout: 30_000 });
    assert.match((await page.locator('#cardata-login-state').textContent()) ?? '', new RegExp(sim.ready.gcid));
    await page.screenshot({ path: join(SHOTS, 'account-login-approved.png') });

    await page.click('#node-config-dialog-ok');
    await page.click('#node-dialog-ok');
    await deploy(page);
    await page.waitForFunction(
      () => {
        const red = (window as unknown as { RED: { nodes: { node(id: string): { status?: { fill?: string } } } } }).RED;
        return red.nodes.node('vs1')?.status?.fill === 'green';
      },
      undefined,
      { timeout: 30_000 },
    );
    await page.screenshot({ path: join(SHOTS, 'stream-connected.png') });
    assert.equal(sim.broker.connections(sim.ready.gcid), 1);
  });
});
