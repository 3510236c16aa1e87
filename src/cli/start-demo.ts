#!/usr/bin/env node
import { join, resolve } from 'node:path';
import { CarDataSimulator } from '../sim/simulator';
import { DEMO_ACCOUNT_ID, demoCredentials, demoFlow } from './demo-flow';
import { loginDemoAccount } from './demo-login';
import { prepareUserDir, startNodeRed, waitForNodeRed } from './node-red-runtime';

/**
 * `npm start`: the simulator in this process, Node-RED as a child with a user directory inside the project (.demo/,
 * git-ignored) that loads this package from the working tree and the demo flow. PORT picks the editor's port;
 * CARDATA_DEMO_SPEED how much faster than real time the simulated cars live (default 30).
 */
async function main(): Promise<void> {
  const packageDir = resolve(__dirname, '..', '..');
  const userDir = resolve(process.env.CARDATA_DEMO_DIR ?? join(packageDir, '.demo'));
  const port = Number(process.env.PORT ?? 1880);
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    throw new Error(`PORT must be a port number, got ${process.env.PORT}`);
  const speed = Number(process.env.CARDATA_DEMO_SPEED ?? 30);

  // The demo logs in by itself (auto-approve) with a 1 s polling interval instead of BMW's 5 s.
  const sim = await CarDataSimulator.start({
    autoApprove: 0,
    speed,
    stateDir: join(userDir, 'simulator'),
    http: { pollIntervalSec: 1 },
  });
  log(`simulator ready: ${JSON.stringify(sim.ready)}`);
  const models = Object.fromEntries(sim.ready.vins.map((vin) => [vin, String(sim.fleet.basicData(vin).modelName)]));
  const extras = { traccar: sim.traccar.info(), models };
  prepareUserDir({
    userDir,
    packageDir,
    flows: demoFlow(sim.ready, extras),
    credentialSecret: 'cardata-demo-only',
    credentials: demoCredentials(extras),
  });
  await loginDemoAccount(sim.ready, userDir, DEMO_ACCOUNT_ID);
  const nodeRed = startNodeRed(userDir, port, { CARDATA_SIM_READY: JSON.stringify(sim.ready) });

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await nodeRed.stop();
    await sim.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  nodeRed.child.on('exit', (code) => void stop(code ?? 1));

  await waitForNodeRed(nodeRed.url, nodeRed.child);
  log(`Node-RED editor: ${nodeRed.url}/  (simulated time runs ${speed}× real time; Ctrl+C stops both)`);
}

function log(text: string): void {
  process.stderr.write(`[cardata-demo] ${text}\n`);
}

main().catch((err: Error) => {
  log(err.message);
  process.exit(1);
});
