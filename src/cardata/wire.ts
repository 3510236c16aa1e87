/**
 * BMW CarData wire shapes, as BMW sends them (reference/cardata-protocol.md §2–§6). Shared by the client and the
 * simulator, so both sides agree on one definition.
 */

/** One descriptor inside a stream message's `data` map. Values are native JSON types on the stream. */
export interface StreamDescriptorValue {
  value: unknown;
  unit?: string | null;
  timestamp?: string | null;
}

/** One MQTT PUBLISH payload on `<gcid>/<vin>` (§6.4). */
export interface StreamMessage {
  vin: string;
  entityId?: string;
  topic?: string;
  timestamp: string;
  data: Record<string, StreamDescriptorValue>;
}

/** One entry of REST telematicData: value, unit and timestamp all as strings (or null), as BMW sends them (§4.3.4). */
export interface RestDescriptorValue {
  value: string | null;
  unit: string | null;
  timestamp: string | null;
}

export interface TelematicDataResponse {
  telematicData: Record<string, RestDescriptorValue>;
}

export interface DeviceCodeResponse {
  user_code: string;
  device_code: string;
  interval: number;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
  id_token?: string;
  gcid: string;
}

export interface OAuthErrorBody {
  error: string;
  error_description: string;
}

export interface CustomerErrorResponse {
  exveErrorId: string;
  exveErrorMsg: string;
  exveErrorRef: string;
  exveNote: string;
}

export interface VehicleMapping {
  vin: string;
  mappedSince: string;
  mappingType: 'PRIMARY' | 'SECONDARY';
}

export const SCOPE_API = 'cardata:api:read';
export const SCOPE_STREAM = 'cardata:streaming:read';
export const DEFAULT_SCOPE = `authenticate_user openid ${SCOPE_API} ${SCOPE_STREAM}`;
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
export const VIN_PATTERN = /^[A-HJ-NPR-Z0-9]{17}$/;
export const CLIENT_ID_PATTERN = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;
