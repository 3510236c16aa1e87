import assert from 'node:assert/strict';
import { VIN_PATTERN } from '../../src/cardata/wire';

/** An ISO 8601 instant as Date#toISOString writes it. */
function assertIso(value: unknown, what: string): void {
  assert.equal(typeof value, 'string', `${what} is a string`);
  assert.equal(new Date(value as string).toISOString(), value, `${what} is an ISO time`);
}

function assertSnakeCase(attributes: unknown, what: string): void {
  assert.ok(typeof attributes === 'object' && attributes !== null && !Array.isArray(attributes), `${what} object`);
  for (const name of Object.keys(attributes)) assert.match(name, /^[a-z][a-z0-9_]*$/, `${what}.${name} snake_case`);
}

/**
 * DESIGN.md §4: topic `<VIN>/<metric>`, payload, vin, metric, unit where there is one, timestamp and receivedAt as
 * ISO times, snake_case attributes. `expect` pins what the caller knows.
 */
export function assertContractMessage(
  msg: any,
  expect: { metric?: string; unit?: string | null; vin?: string } = {},
): void {
  assert.ok(msg.vin === 'all' || VIN_PATTERN.test(msg.vin), `vin ${msg.vin}`);
  assert.equal(typeof msg.metric, 'string');
  assert.equal(msg.topic, `${msg.vin}/${msg.metric}`);
  assert.ok('payload' in msg, 'payload');
  assertIso(msg.timestamp, 'timestamp');
  assertIso(msg.receivedAt, 'receivedAt');
  assertSnakeCase(msg.attributes, 'attributes');
  if (msg.unit !== undefined) assert.equal(typeof msg.unit, 'string');
  if (expect.metric !== undefined) assert.equal(msg.metric, expect.metric);
  if (expect.vin !== undefined) assert.equal(msg.vin, expect.vin);
  if (expect.unit === null) assert.equal(msg.unit, undefined);
  else if (expect.unit !== undefined) assert.equal(msg.unit, expect.unit);
}

/** The Home Assistant format of DESIGN.md §4: `payload = {state, attributes}`, unit and times inside attributes. */
export function assertHomeAssistantMessage(msg: any, expect: { metric?: string; unit?: string } = {}): void {
  assert.equal(msg.topic, `${msg.vin}/${msg.metric}`);
  const { state, attributes } = msg.payload;
  assert.ok(state !== null && state !== undefined, 'a value we do not have is not sent');
  assert.ok(['string', 'number', 'boolean'].includes(typeof state), `state ${typeof state}`);
  assertSnakeCase(attributes, 'payload.attributes');
  assertIso(attributes.measured_at, 'measured_at');
  assertIso(attributes.received_at, 'received_at');
  assert.equal(attributes.vin, msg.vin);
  assert.equal(attributes.metric, msg.metric);
  if (expect.metric !== undefined) assert.equal(msg.metric, expect.metric);
  if (expect.unit !== undefined) assert.equal(attributes.unit_of_measurement, expect.unit);
}
