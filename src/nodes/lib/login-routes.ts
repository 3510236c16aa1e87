import { join } from 'node:path';
import type { NodeAPI } from 'node-red';
import type { Request, Response } from 'express';
import { accountPaths, missingScopes, type CarDataAccount } from '../../cardata/account';
import { systemClock } from '../../cardata/clock';
import { DeviceLogin, type DeviceLoginState } from '../../cardata/device-login';
import { CarDataError } from '../../cardata/errors';
import { redact } from '../../cardata/secrets';
import { TokenFile, toStoredTokens } from '../../cardata/token-file';
import { CLIENT_ID_PATTERN } from '../../cardata/wire';
import { endpointsOf, type AccountNodeConfig } from './account-config';

interface PendingLogin {
  login: DeviceLogin;
  clientId: string;
  detail?: string;
  kind?: string;
  gcid?: string;
  scope?: string;
  hasIdToken?: boolean;
}

/** Logins in progress by config-node id: they work before the first deploy, when no runtime node exists yet. */
const logins = new Map<string, PendingLogin>();

export interface AccountNodeLike {
  account?: CarDataAccount;
  accountProblem?: string;
}

export function stateDirOf(RED: NodeAPI): string {
  return join(RED.settings.userDir ?? process.cwd(), 'cardata');
}

/**
 * Admin endpoints of the account's edit dialog (relative URLs under `cardata-account/`, guarded by
 * RED.auth.needsPermission). Nothing they answer carries a token: only codes to show, states and counts.
 */
export function registerAccountRoutes(RED: NodeAPI): void {
  const read = RED.auth.needsPermission('cardata-account.read');
  const write = RED.auth.needsPermission('cardata-account.write');
  const runtimeNode = (id: string) => RED.nodes.getNode(id) as unknown as AccountNodeLike | null;
  // `kind` lets the dialog show the text in the user's language; `error` keeps the English detail for logs.
  const fail = (res: Response, status: number, err: unknown, kind?: string) =>
    res.status(status).json({
      error: redact(err instanceof Error ? err.message : String(err)),
      kind: kind ?? (err instanceof CarDataError ? err.kind : undefined),
    });

  RED.httpAdmin.post('/cardata-account/:id/login', write, (req: Request<{ id: string }>, res) => {
    const id = req.params.id;
    const body = (req.body ?? {}) as Partial<AccountNodeConfig>;
    const clientId = String(body.clientId ?? '').trim();
    if (!CLIENT_ID_PATTERN.test(clientId)) {
      return void fail(
        res,
        400,
        'Enter the client ID from the BMW portal first (a UUID like 1a2b3c4d-…).',
        'client_id',
      );
    }
    let authBaseUrl: string;
    try {
      authBaseUrl = endpointsOf(body, RED.settings.userDir ?? process.cwd()).authBaseUrl;
    } catch (err) {
      return void fail(res, 400, err, 'endpoints');
    }
    logins.get(id)?.login.cancel();
    const pending: PendingLogin = { clientId, login: undefined as unknown as DeviceLogin };
    pending.login = new DeviceLogin({
      clientId,
      authBaseUrl,
      clock: systemClock,
      onState: (_state: DeviceLoginState, detail?: string) => (pending.detail = detail),
    });
    logins.set(id, pending);
    pending.login.result
      .then((tokens) => {
        pending.gcid = tokens.gcid;
        pending.scope = tokens.scope;
        pending.hasIdToken = Boolean(tokens.id_token);
        const node = runtimeNode(id);
        if (node?.account && node.account.settings.clientId.toLowerCase() === clientId.toLowerCase()) {
          node.account.tokens.loggedIn(tokens); // saves the file and reconnects the stream
        } else {
          new TokenFile(accountPaths(stateDirOf(RED), id).tokens).save(
            toStoredTokens(clientId, tokens, systemClock.now()),
          );
        }
      })
      .catch((err: CarDataError) => (pending.kind = err.kind));
    pending.login
      .start()
      .then((prompt) => res.json({ state: pending.login.state, ...prompt }))
      .catch((err: CarDataError) => fail(res, 502, err));
  });

  RED.httpAdmin.get('/cardata-account/:id/login', read, (req: Request<{ id: string }>, res) => {
    const pending = logins.get(req.params.id);
    if (!pending) return void res.json({ state: 'none' });
    const { login } = pending;
    res.json({
      state: login.state,
      detail: pending.detail,
      kind: pending.kind,
      ...(login.prompt ?? {}),
      ...(login.state === 'approved'
        ? {
            gcid: pending.gcid,
            scopes: (pending.scope ?? '').split(/\s+/).filter(Boolean),
            missing: missingScopes((pending.scope ?? '').split(/\s+/), pending.hasIdToken ?? false),
          }
        : {}),
    });
  });

  RED.httpAdmin.delete('/cardata-account/:id/login', write, (req: Request<{ id: string }>, res) => {
    logins.get(req.params.id)?.login.cancel();
    logins.delete(req.params.id);
    res.json({ state: 'cancelled' });
  });

  RED.httpAdmin.get('/cardata-account/:id/status', read, (req: Request<{ id: string }>, res) => {
    const node = runtimeNode(req.params.id);
    const account = node?.account;
    const tokens = account
      ? account.tokens.current
      : new TokenFile(accountPaths(stateDirOf(RED), req.params.id).tokens).load().tokens;
    const scopes = (tokens?.scope ?? '').split(/\s+/).filter(Boolean);
    res.json({
      deployed: Boolean(node),
      problem: node?.accountProblem,
      loggedIn: Boolean(tokens) && account?.tokens.state !== 'login_required',
      tokenState: account?.tokens.state ?? (tokens ? 'stored' : 'logged_out'),
      tokenReason: account?.tokens.reason,
      gcid: tokens?.gcid,
      scopes,
      missing: tokens ? missingScopes(scopes, Boolean(tokens.idToken)) : [],
      expiresAt: tokens ? new Date(tokens.expiresAt).toISOString() : undefined,
      stream: account
        ? { health: account.stream.health, reason: account.stream.reason, ...account.stream.stats }
        : undefined,
      quota: account?.quota(),
    });
  });

  RED.httpAdmin.post('/cardata-account/:id/refresh', write, (req: Request<{ id: string }>, res) => {
    const account = runtimeNode(req.params.id)?.account;
    if (!account) return void fail(res, 409, 'Deploy the account first.', 'deploy_first');
    account.tokens
      .refresh('refresh requested from the editor')
      .then((tokens) => res.json({ refreshed: true, expiresAt: new Date(tokens.expiresAt).toISOString() }))
      .catch((err) => fail(res, 502, err));
  });

  RED.httpAdmin.get('/cardata-account/:id/vehicles', read, (req: Request<{ id: string }>, res) => {
    const account = runtimeNode(req.params.id)?.account;
    if (!account) return void fail(res, 409, 'Deploy the account first.', 'deploy_first');
    const refresh = req.query.refresh === '1';
    if (!account.loggedIn) return void res.json({ vehicles: account.knownVehicles(), quota: account.quota() });
    account
      .vehicles({ refresh, withBasicData: true })
      .then((vehicles) =>
        res.json({
          vehicles: vehicles.map((v) => ({
            vin: v.vin,
            mappingType: v.mappingType,
            model: v.basicData?.modelName,
            brand: v.basicData?.brand,
            driveTrain: v.basicData?.driveTrain ?? v.basicData?.propulsionType,
          })),
          quota: account.quota(),
        }),
      )
      .catch((err) => fail(res, err instanceof CarDataError && err.kind === 'quota_exhausted' ? 429 : 502, err));
  });
}
