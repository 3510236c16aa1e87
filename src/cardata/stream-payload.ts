import type { StreamMessage } from './wire';

export interface StreamRejection {
  reason: 'too_large' | 'not_json' | 'not_an_object' | 'no_vin' | 'no_data' | 'too_many_descriptors';
  detail: string;
  bytes: number;
}

/** Payloads beyond this are refused unparsed: BMW's are a few hundred bytes; this stops a memory blow-up. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;
/** BMW's reference client rejects messages with more descriptors than this (protocol §6.4). */
export const MAX_DESCRIPTORS = 1000;

/** Check one PUBLISH payload against BMW's message shape (protocol §6.4) without trusting it. */
export function parseStreamPayload(
  payload: Buffer | string,
): { ok: true; message: StreamMessage } | { ok: false; rejection: StreamRejection } {
  const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  const reject = (reason: StreamRejection['reason'], detail: string) => ({
    ok: false as const,
    rejection: { reason, detail, bytes },
  });
  if (bytes > MAX_PAYLOAD_BYTES) return reject('too_large', `${bytes} bytes is more than ${MAX_PAYLOAD_BYTES}`);
  let value: unknown;
  try {
    value = JSON.parse(payload.toString());
  } catch (err) {
    return reject('not_json', (err as Error).message);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return reject('not_an_object', 'the payload is not a JSON object');
  }
  const message = value as Partial<StreamMessage>;
  if (typeof message.vin !== 'string' || message.vin.length === 0) return reject('no_vin', 'no "vin" string');
  if (typeof message.data !== 'object' || message.data === null || Array.isArray(message.data)) {
    return reject('no_data', 'no "data" object');
  }
  // Counted without Object.keys: no array of names per message just to learn that there are a few.
  let count = 0;
  for (const key in message.data) if (Object.prototype.hasOwnProperty.call(message.data, key)) count++;
  if (count > MAX_DESCRIPTORS) return reject('too_many_descriptors', `${count} descriptors`);
  return { ok: true, message: message as StreamMessage };
}
