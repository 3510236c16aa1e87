/** Every input error the prediction nodes can raise has its text in both nodes' en-US catalogue. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', 'src', 'nodes');

/** The keys of InputError, read from its declaration (a union of string literals). */
function inputErrorKeys(): string[] {
  const source = readFileSync(join(ROOT, 'lib', 'vehicle-input.ts'), 'utf8');
  const union = /readonly key:([^,]*?(?:\|[^,]*?)*),\s*readonly params/s.exec(source)?.[1] ?? '';
  return [...union.matchAll(/'(\w+)'/g)].map((m) => m[1] ?? '');
}

describe('prediction node catalogues', () => {
  const keys = inputErrorKeys();

  it('finds the input errors', () => {
    assert.ok(keys.includes('speedNotNumber') && keys.includes('noVin'), keys.join());
  });

  for (const type of ['cardata-predicted-soc', 'cardata-magic-soc']) {
    it(`${type} has a text for each, and for its state file errors`, () => {
      const catalogue = JSON.parse(readFileSync(join(ROOT, 'locales', 'en-US', `${type}.json`), 'utf8')) as Record<
        string,
        { errors: Record<string, string>; status: Record<string, string> }
      >;
      const errors = catalogue[type]?.errors ?? {};
      for (const key of [...keys, 'stateUnreadable', 'stateWrite', 'capacity']) {
        assert.equal(typeof errors[key], 'string', `${type}.errors.${key}`);
      }
      assert.equal(typeof catalogue[type]?.status.noData, 'string');
    });
  }
});
