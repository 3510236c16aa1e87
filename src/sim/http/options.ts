/**
 * Behaviour switches of the simulator's HTTP side. Where BMW's behaviour is unknown or varies (§11), the default is
 * what people observed and the alternative is selectable, so a client can be tested against both.
 * The object is read on every request: changing a field on a running app takes effect at once.
 */
export interface SimHttpOptions {
  /** Origin used in verification URIs (`<baseUrl>/oneid/link`); empty = taken from the request's Host header. */
  baseUrl: string;
  /** Approve device codes without the page: true = at once, a number = that many seconds after the code was issued. */
  autoApprove: boolean | number;
  deviceCodeTtlSec: number;
  pollIntervalSec: number;
  quotaLimit: number;
  quotaWindow: 'utc-midnight' | 'rolling';
  /** BMW answers an exhausted quota with 403 + CU-429 (observed); 429 is what clients also have to handle. */
  quotaStatus: 403 | 429;
  /** Whether quota answers carry Retry-After (never seen from BMW, honoured by clients if present). */
  retryAfter: boolean;
  /** Observed: 403 CU-127 "invalid_token"; documented: 401 CU-102 (expired) / CU-101 (invalid). */
  expiredTokenStyle: 'CU-127-403' | 'CU-102-401';
  /** Real answers are a JSON array; the swagger declares a single VehicleMappingDto object. */
  mappingsShape: 'array' | 'object';
  /** Unknown descriptor at container creation: 400 CU-402 naming the key, or silently accepted (unconfirmed, §11.11). */
  unknownDescriptor: 'reject' | 'accept';
  /** Vehicles for which BMW has no picture (image → 404 CU-126). */
  noImageVins: string[];
}

export const DEFAULT_SIM_HTTP_OPTIONS: SimHttpOptions = {
  baseUrl: '',
  autoApprove: false,
  deviceCodeTtlSec: 300,
  pollIntervalSec: 5,
  quotaLimit: 50,
  quotaWindow: 'utc-midnight',
  quotaStatus: 403,
  retryAfter: false,
  expiredTokenStyle: 'CU-127-403',
  mappingsShape: 'array',
  unknownDescriptor: 'reject',
  noImageVins: [],
};
