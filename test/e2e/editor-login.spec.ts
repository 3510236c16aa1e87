import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { prepareUserDir, startNodeRed, waitForNodeRed, type RunningNodeRed } from '../../src/cli/node-red-runtime';
import { CarDataSimulator } from '../../src/sim/simulator';
import { freePort } from '../helpers/processes';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = resolve(__dirname, '..', '..', 'test-results');

/**
 * A person's first day: in a real Node-RED editor in headless Chromium, add an account from a vehicle-stream node,
 * enter the client ID, start the login, approve it on the simulator's BMW page, see the dialog say so, deploy, and
 * watch the node's status turn green.
 */
describe('editor: log in with BMW from the account dialog (real Node-RED, headless Chromium)', function () {
  this.timeout(120_000);
  let sim: CarDataSimulator;
  let nodeRed: RunningNodeRed;
  let context: BrowserContext;
  let page: Page;
  let dir: string;
  let url: string;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      // Browser tests need Debian's chromium; CI installs it and sets CARDATA_REQUIRE_TOOLS=1 so this cannot be skipped.
      if (process.env.CARDATA_REQUIRE_TOOLS === '1')
        throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
      this.skip();
    }
    sim = await CarDataSimulator.start({ vehicles: 1, speed: 60, http: { pollIntervalSec: 1 } });
    dir = mkdtempSync(join(tmpdir(), 'cardata-e2e-'));
    prepareUserDir({
      userDir: dir,
      packageDir: resolve(__dirname, '..', '..'),
      credentialSecret: 'e2e-only',
      flows: [
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
      ],
    });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    nodeRed = startNodeRed(dir, port, { CARDATA_LOG_LEVEL: 'warn' }, 'pipe');
    await waitForNodeRed(url, nodeRed.child, 60_000);
    context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'cardata-chrome-')), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await context?.close();
    await nodeRed?.stop();
    await sim?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('adds an account, logs in through the approval page, deploys, and the stream node turns green', async () => {
    await page.goto(url);
    await page.waitForFunction(() => {
      const red = (window as unknown as { RED?: { nodes?: { node(id: string): unknown } } }).RED;
      return Boolean(red?.nodes?.node('vs1'));
    });
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
    const bmw = await context.newPage();
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
    await page.click('#red-ui-header-button-deploy');
    const confirm = page.getByRole('button', { name: 'Confirm deploy' });
    if (await confirm.isVisible().catch(() => false)) await confirm.click();
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
