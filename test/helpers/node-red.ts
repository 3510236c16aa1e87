import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * node-red-node-test-helper, initialised with the Node-RED under test: the project's own (4.1) or, in CI's second run,
 * Node-RED 5 under Node 22 (CARDATA_NODE_RED_DIR / CARDATA_TEST_HELPER point there).
 */

export const helper = require(
  process.env.CARDATA_TEST_HELPER ?? 'node-red-node-test-helper',
) as typeof import('node-red-node-test-helper');
helper.init(
  process.env.CARDATA_NODE_RED_DIR ? require.resolve(process.env.CARDATA_NODE_RED_DIR) : require.resolve('node-red'),
);

/** A fresh Node-RED user directory for one test file. */
export function freshUserDir(): string {
  return mkdtempSync(join(tmpdir(), 'cardata-nr-'));
}

/** The compiled node modules, as Node-RED loads them. */
export function nodeModule(name: string): unknown {
  return require(join(__dirname, '..', '..', 'dist', 'nodes', `${name}.js`));
}
