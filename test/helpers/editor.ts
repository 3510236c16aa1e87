/**
 * A real Node-RED editor in headless Chromium for the browser tests: a user directory loading this package with the
 * given flows, Node-RED started on a free port, a browser page. Needs Debian's chromium; CI installs it and sets
 * CARDATA_REQUIRE_TOOLS=1, so there a missing browser fails instead of skipping.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { prepareUserDir, startNodeRed, waitForNodeRed, type RunningNodeRed } from '../../src/cli/node-red-runtime';
import { freePort } from './processes';

const CHROMIUM = '/usr/bin/chromium';
/** Screenshots land here. */
export const SHOTS = resolve(__dirname, '..', '..', 'test-results');

export interface Editor {
  dir: string;
  url: string;
  nodeRed: RunningNodeRed;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Skips the test (or fails it in CI) when there is no browser. Call from a `before` hook. */
export function requireChromium(context: Mocha.Context): void {
  if (existsSync(CHROMIUM)) return;
  if (process.env.CARDATA_REQUIRE_TOOLS === '1') throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
  // Skipped because Debian's chromium may be missing on a developer machine; CI sets CARDATA_REQUIRE_TOOLS=1 and
  // installs it, so there a missing browser fails above instead of skipping.
  context.skip();
}

export async function openEditor(flows: unknown[]): Promise<Editor> {
  const dir = mkdtempSync(join(tmpdir(), 'cardata-e2e-'));
  prepareUserDir({ userDir: dir, packageDir: resolve(__dirname, '..', '..'), credentialSecret: 'e2e-only', flows });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const nodeRed = startNodeRed(dir, port, { CARDATA_LOG_LEVEL: 'warn' }, 'pipe');
  await waitForNodeRed(url, nodeRed.child, 60_000);
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'cardata-chrome-')), {
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
  const page = context.pages()[0] ?? (await context.newPage());
  mkdirSync(SHOTS, { recursive: true });
  return {
    dir,
    url,
    nodeRed,
    context,
    page,
    async close() {
      await context.close();
      await nodeRed.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Open the editor and wait until the flow's node `id` is loaded. */
export async function waitForNode(page: Page, url: string, id: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction((nodeId) => {
    const red = (window as unknown as { RED?: { nodes?: { node(id: string): unknown } } }).RED;
    return Boolean(red?.nodes?.node(nodeId));
  }, id);
}

/** Press Deploy, confirm if Node-RED asks (e.g. a node it finds incomplete), and wait until it is done. */
export async function deploy(page: Page): Promise<void> {
  // The editor enables Deploy once the closing dialog has recorded the change.
  await page.waitForSelector('#red-ui-header-button-deploy:not(.disabled)', { timeout: 10_000 });
  await page.click('#red-ui-header-button-deploy');
  // The confirmation takes a moment to appear.
  const confirm = page.getByRole('button', { name: 'Confirm deploy' });
  await confirm.waitFor({ state: 'visible', timeout: 2000 }).then(
    () => confirm.click(),
    () => undefined,
  );
  await page.waitForSelector('#red-ui-header-button-deploy.disabled', { state: 'attached', timeout: 30_000 });
}
