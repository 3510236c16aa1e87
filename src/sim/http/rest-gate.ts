import type { RequestHandler, Response } from 'express';
import { SCOPE_API, VIN_PATTERN } from '../../cardata/wire';
import type { SimAccount } from '../accounts';
import type { Faults } from '../faults';
import type { FleetView } from '../fleet-view';
import type { QuotaLedger } from '../quota';
import type { TokenRegistry } from '../tokens';
import { wallDelay } from './delay';
import type { SimHttpOptions } from './options';
import { codeForStatus, sendCustomerError, sendObservedInvalidToken } from './rest-errors';

export interface GateDeps {
  tokens: TokenRegistry;
  faults: Faults;
  quota: QuotaLedger;
  options: SimHttpOptions;
}

/** The account the gate let through, for the route handlers. */
export function accountOf(res: Response): SimAccount {
  return res.locals.account as SimAccount;
}

/**
 * What stands before every `/customers/...` operation, in this order: the latency fault, the bearer token, the quota,
 * the CarData scope, the server-error faults. Quota rule: every call with a valid token counts, whatever its answer
 * (a VIN error, a missing header or an injected 5xx included), as clients assume for BMW (§4.5, §8.3); calls without a
 * valid token cannot be attributed to an account and do not count, and refused over-quota calls are not counted again.
 */
export function restGate(deps: GateDeps): RequestHandler {
  return async (req, res, next) => {
    await wallDelay(deps.faults.settings.restDelayMs);
    const header = req.get('authorization');
    if (!header?.trim()) return sendCustomerError(res, 'CU-100');
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const check = bearer ? deps.tokens.checkAccess(bearer[1]) : ({ ok: false, reason: 'invalid' } as const);
    if (!check.ok) {
      if (deps.options.expiredTokenStyle === 'CU-127-403') return sendObservedInvalidToken(res);
      return sendCustomerError(res, check.reason === 'expired' ? 'CU-102' : 'CU-101');
    }
    const quota = deps.quota.consume(check.account.gcid);
    if (!quota.ok) {
      if (deps.options.retryAfter) res.set('Retry-After', String(quota.retryAfterSec));
      return sendCustomerError(res, 'CU-429', { status: deps.options.quotaStatus });
    }
    if (!check.scope.includes(SCOPE_API)) return sendCustomerError(res, 'CU-103');
    const forced = deps.faults.settings.restStatus;
    if (forced) return sendCustomerError(res, codeForStatus(forced), { status: forced });
    if (deps.faults.take('restFailNext')) return sendCustomerError(res, 'CU-500');
    res.locals.account = check.account;
    next();
  };
}

/** `x-version: v1` is a required header on every operation except container creation and deletion (swagger). */
export const requireVersion: RequestHandler = (req, res, next) => {
  const version = req.get('x-version');
  if (version === 'v1') return next();
  const note = version ? `Unsupported x-version '${version}'.` : "Missing request header 'x-version' (v1).";
  sendCustomerError(res, 'CU-400', { note });
};

/** The VIN must be well-formed (CU-120) and one of the account's PRIMARY vehicles (CU-104). */
export function requireVin(fleet: FleetView): RequestHandler {
  return (req, res, next) => {
    const vin = String(req.params.vin);
    if (!VIN_PATTERN.test(vin)) return sendCustomerError(res, 'CU-120');
    if (!accountOf(res).vins.includes(vin) || !fleet.has(vin)) return sendCustomerError(res, 'CU-104');
    next();
  };
}
