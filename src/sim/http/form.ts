import type { Request } from 'express';

export type FormField = { ok: true; value: string } | { ok: false; problem: 'missing' | 'repeated' };

/** One field of a form-encoded body. A repeated parameter is malformed for OAuth (RFC 6749 §3.1), not a list. */
export function formField(req: Request, name: string): FormField {
  const body: unknown = req.body;
  const raw = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  if (Array.isArray(raw)) return { ok: false, problem: 'repeated' };
  if (typeof raw !== 'string' || raw === '') return { ok: false, problem: 'missing' };
  return { ok: true, value: raw };
}

/** Several required fields at once; the first missing or repeated one is named in the error. */
export function formFields<K extends string>(
  req: Request,
  names: readonly K[],
): { ok: true; values: Record<K, string> } | { ok: false; description: string } {
  const values = {} as Record<K, string>;
  for (const name of names) {
    const field = formField(req, name);
    if (!field.ok) {
      return {
        ok: false,
        description:
          field.problem === 'missing'
            ? `Missing parameter, '${name}'`
            : `Parameter '${name}' is included more than once`,
      };
    }
    values[name] = field.value;
  }
  return { ok: true, values };
}
