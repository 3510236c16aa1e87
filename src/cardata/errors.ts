import { redact } from './secrets';

/** What kind of failure, so callers decide by kind rather than by parsing messages. */
export type CarDataErrorKind =
  | 'auth_pending'
  | 'auth_denied'
  | 'auth_expired'
  | 'auth_invalid_client'
  | 'auth_invalid_grant'
  | 'auth_gateway_fault'
  | 'auth_failed'
  | 'login_required'
  | 'quota_exhausted'
  | 'container_lost'
  | 'container_limit'
  | 'not_permitted'
  | 'bad_request'
  | 'server_error'
  | 'network'
  | 'timeout'
  | 'invalid_response';

/** An error whose message is always safe to show: it has passed through redact(). */
export class CarDataError extends Error {
  readonly kind: CarDataErrorKind;
  readonly status?: number;
  /** BMW's exveErrorId (CU-...) or OAuth error code, where BMW sent one. */
  readonly code?: string;
  readonly retryAfterMs?: number;

  constructor(
    kind: CarDataErrorKind,
    message: string,
    details: { status?: number; code?: string; retryAfterMs?: number } = {},
  ) {
    super(redact(message));
    this.name = 'CarDataError';
    this.kind = kind;
    this.status = details.status;
    this.code = details.code;
    this.retryAfterMs = details.retryAfterMs;
  }

  /** Transient failures worth a later retry; everything else needs a change (a login, a fix, tomorrow's quota). */
  get transient(): boolean {
    return this.kind === 'server_error' || this.kind === 'network' || this.kind === 'timeout';
  }
}
