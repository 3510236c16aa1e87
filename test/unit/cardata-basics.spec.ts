import assert from 'node:assert/strict';
import { Backoff, CircuitBreaker } from '../../src/cardata/backoff';
import { createPkcePair, pkceChallenge } from '../../src/cardata/pkce';
import { redact, redactVins, registerSecret } from '../../src/cardata/secrets';
import { MAX_DESCRIPTORS, parseStreamPayload } from '../../src/cardata/stream-payload';

describe('PKCE', () => {
  it('matches the RFC 7636 appendix B example', () => {
    assert.equal(
      pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('makes an 86-character verifier with an unpadded challenge', () => {
    const { verifier, challenge } = createPkcePair();
    assert.equal(verifier.length, 86);
    assert.match(challenge, /^[A-Za-z0-9_-]{43}$/);
  });
});

describe('secret redaction', () => {
  it('masks registered secrets, JWTs, bearer headers and token fields', () => {
    registerSecret('opaque-refresh-token-1234567890');
    const jwt = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4eHh4eHh4eCJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const text = redact(
      `refresh opaque-refresh-token-1234567890 id ${jwt} Authorization: Bearer abcdefghijklmnop access_token=qwertyuiopasdf`,
    );
    assert.ok(!text.includes('opaque-refresh-token'), text);
    assert.ok(!text.includes(jwt), text);
    assert.ok(!text.includes('abcdefghijklmnop'), text);
    assert.ok(!text.includes('qwertyuiopasdf'), text);
  });

  it('leaves ordinary text alone and shortens VINs only on request', () => {
    assert.equal(redact('charging at 11 kW, SOC 54 %'), 'charging at 11 kW, SOC 54 %');
    assert.equal(redactVins('car WBA00000000000001 is home'), 'car WBA**********0001 is home');
  });
});

describe('back-off and circuit breaker', () => {
  it('doubles up to the cap and starts again after reset', () => {
    const backoff = new Backoff(5_000, 300_000);
    const delays = Array.from({ length: 9 }, () => backoff.next());
    assert.deepEqual(delays, [5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
    backoff.reset();
    assert.equal(backoff.next(), 5_000);
  });

  it('opens after the threshold within the window, and only then', () => {
    const breaker = new CircuitBreaker(3, 60_000, 300_000);
    assert.equal(breaker.failure(0), false);
    assert.equal(breaker.failure(61_000), false, 'the first failure fell out of the window');
    assert.equal(breaker.failure(62_000), false);
    assert.equal(breaker.failure(63_000), true);
    assert.equal(breaker.remaining(63_000), 300_000);
    assert.equal(breaker.remaining(363_000), 0);
  });
});

describe('stream payload check', () => {
  const good = { vin: 'WBA00000000000001', timestamp: '2026-03-02T10:00:00.000Z', data: {} };

  it('accepts BMW-shaped messages', () => {
    const result = parseStreamPayload(Buffer.from(JSON.stringify(good)));
    assert.ok(result.ok);
    assert.equal(result.message.vin, good.vin);
  });

  for (const [name, payload, reason] of [
    ['malformed JSON', '{"vin":', 'not_json'],
    ['an array', '[1,2]', 'not_an_object'],
    ['no vin', '{"data":{}}', 'no_vin'],
    ['no data', '{"vin":"WBA00000000000001"}', 'no_data'],
    ['an empty payload', '', 'not_json'],
  ] as const) {
    it(`rejects ${name} with a reason`, () => {
      const result = parseStreamPayload(payload);
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.rejection.reason, reason);
    });
  }

  it('rejects more descriptors than BMW ever sends, and huge payloads unparsed', () => {
    const data = Object.fromEntries(Array.from({ length: MAX_DESCRIPTORS + 1 }, (_, i) => [`d${i}`, { value: i }]));
    const many = parseStreamPayload(JSON.stringify({ ...good, data }));
    assert.equal(!many.ok && many.rejection.reason, 'too_many_descriptors');
    const huge = parseStreamPayload(Buffer.alloc(300_000, 32));
    assert.equal(!huge.ok && huge.rejection.reason, 'too_large');
  });
});
