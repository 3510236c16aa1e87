import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(__dirname, '..', '..', 'examples');
const OURS = /^cardata-/;

interface FlowNode {
  id: string;
  type: string;
  z?: string;
  wires?: string[][];
  account?: string;
  [key: string]: unknown;
}

/** Import ▸ Examples must give flows that import cleanly: unique ids, wires to nodes that exist, accounts set. */
describe('example flows', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

  it('exist for the nodes and for Home Assistant', () => {
    for (const name of ['vehicle-stream.json', 'api-call.json', 'home-assistant.json']) assert.ok(files.includes(name));
  });

  for (const file of files) {
    it(`${file} is a well-formed flow`, () => {
      const flow = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as FlowNode[];
      assert.ok(Array.isArray(flow) && flow.length > 0);
      const ids = new Set(flow.map((n) => n.id));
      assert.equal(ids.size, flow.length, 'unique ids');
      const tabs = new Set(flow.filter((n) => n.type === 'tab').map((n) => n.id));
      for (const node of flow) {
        if (node.z) assert.ok(tabs.has(node.z), `${node.id} sits on a tab of the file`);
        for (const port of node.wires ?? [])
          for (const target of port) assert.ok(ids.has(target), `${node.id} → ${target}`);
        if (OURS.test(node.type) && node.type !== 'cardata-account' && 'account' in node) {
          const account = flow.find((n) => n.id === node.account);
          assert.equal(account?.type, 'cardata-account', `${node.id} has its account in the file`);
        }
      }
      assert.ok(
        flow.some((n) => n.type === 'comment'),
        'a comment says what the example shows',
      );
    });
  }
});
