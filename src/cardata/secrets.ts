/**
 * Keeps secrets out of every text we show: logs, status, errors, debug messages. Tokens are registered as they
 * arrive; redact() replaces any registered secret (and anything shaped like a JWT or a bearer header) in a string.
 */
const known = new Set<string>();
// Tokens rotate hourly; spent ones stay masked for weeks of rotations, then the oldest make room.
const KEEP = 2000;

export function registerSecret(secret: string | undefined | null): void {
  // Short strings are not secrets worth masking and would mangle ordinary text.
  if (!secret || secret.length < 12) return;
  known.delete(secret);
  known.add(secret);
  if (known.size > KEEP) known.delete(known.values().next().value as string);
}

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g;
const BEARER = /(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi;
const FORM_SECRET =
  /((?:access_token|refresh_token|id_token|device_code|code_verifier|password|token)["']?\s*[=:]\s*["']?)[^"'&\s,}]{8,}/gi;

export function redact(text: string): string {
  let out = text;
  for (const secret of known) if (out.includes(secret)) out = out.split(secret).join('***');
  return out.replace(JWT, '***').replace(BEARER, '$1***').replace(FORM_SECRET, '$1***');
}

const VIN = /\b([A-HJ-NPR-Z0-9]{3})[A-HJ-NPR-Z0-9]{10}([A-HJ-NPR-Z0-9]{4})\b/g;

/** WBA00000000000001 → WBA**********0001: enough to tell two cars apart in a log, not enough to identify one. */
export function redactVins(text: string): string {
  return text.replace(VIN, '$1**********$2');
}
