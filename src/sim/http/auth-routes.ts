import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import {
  CLIENT_ID_PATTERN,
  DEVICE_CODE_GRANT,
  SCOPE_API,
  type DeviceCodeResponse,
  type OAuthErrorBody,
} from '../../cardata/wire';
import type { AccountRegistry, SimAccount } from '../accounts';
import type { Faults } from '../faults';
import type { TokenRegistry } from '../tokens';
import { wallDelay } from './delay';
import type { DeviceCodeStore } from './device-codes';
import { formField, formFields } from './form';
import type { SimHttpOptions } from './options';

export interface AuthDeps {
  accounts: AccountRegistry;
  tokens: TokenRegistry;
  faults: Faults;
  deviceCodes: DeviceCodeStore;
  options: SimHttpOptions;
}

/** BMW's API gateway (Apigee) answers with this instead of OAuth JSON after some approvals (§2.3, §9.2). */
export const GATEWAY_FAULT_BODY = {
  fault: {
    faultstring: 'Invalid Access Token',
    detail: { errorcode: 'keymanagement.service.invalid_access_token' },
  },
};

/** The same gateway's own answer when the identity backend is unavailable: a transient 503, not OAuth JSON. */
export const GATEWAY_UNAVAILABLE_BODY = {
  fault: {
    faultstring: 'The Service is temporarily unavailable',
    detail: { errorcode: 'messaging.adaptors.http.flow.ServiceUnavailable' },
  },
};

const STATIC_SCOPES = new Set(['authenticate_user', 'openid', SCOPE_API, 'cardata:streaming:read']);
const MALFORMED =
  'The request is missing a required parameter, includes an unsupported parameter value (other than grant type), ' +
  'repeats a parameter, includes multiple credentials, utilizes more than one mechanism for authenticating the ' +
  'client, or is otherwise malformed.';
const UNKNOWN_CLIENT =
  'Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method).';

/** What BMW grants: the requested scopes minus those whose portal subscription the client lacks (§2.2, §9.5). */
export function grantedScope(requested: string[], account: SimAccount): string[] {
  return [...new Set(requested)].filter((scope) => {
    if (scope === SCOPE_API) return account.subscribedApi;
    if (scope.startsWith('cardata:streaming:')) return account.subscribedStream;
    return true;
  });
}

/** `POST /gcdm/oauth/device/code` and `POST /gcdm/oauth/token`, form-encoded as BMW requires. */
export function authRouter(deps: AuthDeps): express.Router {
  const router = express.Router();
  router.use('/gcdm/oauth', express.urlencoded({ extended: false }), (_req, res, next) => {
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    next();
  });
  router.post('/gcdm/oauth/device/code', (req, res) => deviceCode(deps, req, res));
  router.post('/gcdm/oauth/token', async (req, res) => {
    await wallDelay(deps.faults.settings.authDelayMs);
    if (deps.faults.take('authFailNext')) {
      res.status(503).json(GATEWAY_UNAVAILABLE_BODY);
      return;
    }
    const grantType = formField(req, 'grant_type');
    if (!grantType.ok) oauthError(res, 400, 'invalid_request', MALFORMED);
    else if (grantType.value === DEVICE_CODE_GRANT) deviceGrant(deps, req, res);
    else if (grantType.value === 'refresh_token') refreshGrant(deps, req, res);
    else oauthError(res, 400, 'unsupported_grant_type', `Grant type is not supported: ${grantType.value}`);
  });
  router.use('/gcdm/oauth', oauthErrors);
  return router;
}

function deviceCode(deps: AuthDeps, req: Request, res: Response): void {
  const fields = formFields(req, ['client_id', 'response_type', 'scope', 'code_challenge', 'code_challenge_method']);
  if (!fields.ok) return oauthError(res, 400, 'invalid_request', fields.description);
  const { client_id, response_type, scope, code_challenge, code_challenge_method } = fields.values;
  if (!CLIENT_ID_PATTERN.test(client_id)) return oauthError(res, 400, 'invalid_request', 'Invalid client_id');
  if (response_type !== 'device_code') return oauthError(res, 400, 'invalid_request', 'Invalid response_type');
  if (code_challenge_method !== 'S256') {
    return oauthError(res, 400, 'invalid_request', 'Unsupported code_challenge_method');
  }
  // base64url of a SHA-256 digest is always 43 characters.
  if (!/^[A-Za-z0-9_-]{43}$/.test(code_challenge))
    return oauthError(res, 400, 'invalid_request', 'Invalid code_challenge');
  const scopes = scope.split(' ').filter(Boolean);
  const unknown = scopes.find((s) => !STATIC_SCOPES.has(s) && !s.startsWith('cardata:streaming:'));
  if (unknown !== undefined || scopes.length === 0) {
    return oauthError(res, 400, 'invalid_scope', `Unknown/invalid scope(s): [${unknown ?? ''}]`);
  }
  const account = deps.accounts.byClient(client_id);
  if (!account) return oauthError(res, 401, 'invalid_client', UNKNOWN_CLIENT);

  const entry = deps.deviceCodes.create(account, scopes, code_challenge);
  const verificationUri = `${baseUrl(deps.options, req)}/oneid/link`;
  const body: DeviceCodeResponse = {
    user_code: entry.userCode,
    device_code: entry.deviceCode,
    interval: entry.intervalSec,
    verification_uri: verificationUri,
    verification_uri_complete: `${verificationUri}?user_code=${entry.userCode}`,
    expires_in: Math.round((entry.expiresAt - entry.issuedAt) / 1000),
  };
  res.json(body);
}

function deviceGrant(deps: AuthDeps, req: Request, res: Response): void {
  const fields = formFields(req, ['client_id', 'device_code', 'code_verifier']);
  if (!fields.ok) return oauthError(res, 400, 'invalid_request', fields.description);
  const { client_id, device_code, code_verifier } = fields.values;
  if (!deps.accounts.byClient(client_id)) return oauthError(res, 401, 'invalid_client', UNKNOWN_CLIENT);

  const outcome = deps.deviceCodes.poll(client_id, device_code, code_verifier);
  if (outcome.kind === 'error') return oauthError(res, outcome.status, outcome.error, outcome.description);
  const { entry } = outcome;
  // A client ID with no service subscription at all gets access_denied although the user approved (§2.3, §9.1).
  if (!entry.account.subscribedApi && !entry.account.subscribedStream) {
    deps.deviceCodes.burn(entry);
    return oauthError(res, 403, 'access_denied', 'The user has declined authorization');
  }
  if (deps.faults.take('authGatewayFault')) {
    deps.deviceCodes.burn(entry);
    res.status(500).json(GATEWAY_FAULT_BODY);
    return;
  }
  deps.deviceCodes.redeem(entry);
  res.json(deps.tokens.issue(entry.account, grantedScope(entry.scope, entry.account)));
}

function refreshGrant(deps: AuthDeps, req: Request, res: Response): void {
  const fields = formFields(req, ['client_id', 'refresh_token']);
  if (!fields.ok) return oauthError(res, 400, 'invalid_request', fields.description);
  const { client_id, refresh_token } = fields.values;
  if (!deps.accounts.byClient(client_id)) return oauthError(res, 401, 'invalid_client', UNKNOWN_CLIENT);
  const scope = formField(req, 'scope');
  if (!scope.ok && scope.problem === 'repeated') return oauthError(res, 400, 'invalid_request', MALFORMED);
  const requested = scope.ok ? scope.value.split(' ').filter(Boolean) : undefined;
  const result = deps.tokens.refreshGrant(client_id, refresh_token, requested);
  if (!result.ok) return oauthError(res, 400, result.error, result.description);
  res.json(result.tokens);
}

/** An unreadable body is the client's fault (invalid_request); anything else is ours. */
const oauthErrors: ErrorRequestHandler = (err: unknown, _req, res, next) => {
  if (res.headersSent) return next(err);
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) oauthError(res, 400, 'invalid_request', MALFORMED);
  else oauthError(res, 500, 'server_error', 'The server encountered an unexpected condition.');
};

function oauthError(res: Response, status: number, error: string, description: string): void {
  const body: OAuthErrorBody = { error, error_description: description };
  res.status(status).json(body);
}

/** The origin clients reached us on, unless the caller pinned one. */
export function baseUrl(options: SimHttpOptions, req: Request): string {
  if (options.baseUrl) return options.baseUrl.replace(/\/+$/, '');
  return `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`;
}
