import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import type { CustomerErrorResponse } from '../../cardata/wire';

interface ErrorSpec {
  status: number;
  msg: string;
  note: string;
}

/**
 * BMW's CU codes (§4.4). The guide gives no HTTP status per code: the observed pairings are used where they exist
 * (403 for CU-429/105/127/403, 208 for CU-122); the rest follow the code's meaning.
 */
export const CU_ERRORS = {
  'CU-100': { status: 401, msg: 'No token', note: 'The access token is missing in the request.' },
  'CU-101': { status: 401, msg: 'Authentication error', note: 'The presented token is invalid.' },
  'CU-102': { status: 401, msg: 'Token expired', note: 'The presented token is expired.' },
  'CU-103': { status: 403, msg: 'Token scope is not CarData', note: 'The token was not granted cardata:api:read.' },
  'CU-104': { status: 403, msg: 'No permission for specified VIN', note: 'The user is not PRIMARY user of this VIN.' },
  'CU-105': { status: 403, msg: 'No permission for containerId', note: 'The container does not exist for this user.' },
  'CU-120': { status: 400, msg: 'Invalid VIN format', note: 'A VIN has exactly 17 upper-case characters.' },
  'CU-121': { status: 400, msg: 'Invalid containerId format', note: 'A containerId has exactly 13 characters.' },
  'CU-122': { status: 208, msg: 'Container already set for deletion', note: 'The container is already deleted.' },
  'CU-124': {
    status: 403,
    msg: 'Maximum number of containers reached',
    note: 'A user can have at most 10 containers.',
  },
  'CU-125': { status: 400, msg: 'Pagination token expired', note: 'Repeat the request without nextToken.' },
  'CU-126': { status: 404, msg: 'No vehicle image found', note: 'There is no image for this vehicle.' },
  'CU-127': { status: 404, msg: 'No location based charging settings found', note: 'There are no settings.' },
  'CU-400': { status: 400, msg: 'Bad request', note: 'Please check the API specification.' },
  'CU-401': { status: 400, msg: 'Parameter invalid', note: 'A request parameter is invalid.' },
  'CU-402': { status: 400, msg: 'Telematic key invalid', note: 'The telematic key is not known.' },
  // Observed verbatim, double space included (ioBroker.bmw#196): BMW's answer to an invalid resource.
  'CU-403': {
    status: 403,
    msg: 'Bad Request.  Forbidden',
    note: 'This application error is raised when an invalid resource is invoked, or a valid resource is invoked incorrectly.',
  },
  'CU-429': { status: 403, msg: 'Daily rate limit reached', note: 'The daily limit of 50 requests is reached.' },
  'CU-500': { status: 500, msg: 'Internal error', note: 'A permanent server error occurred.' },
  'CU-503': { status: 503, msg: 'Partner system unavailable', note: 'A temporary server error occurred.' },
} satisfies Record<string, ErrorSpec>;

export type CuCode = keyof typeof CU_ERRORS;

/** Send BMW's error body `{exveErrorId, exveErrorMsg, exveErrorRef, exveNote}`; fields may override the defaults. */
export function sendCustomerError(
  res: Response,
  id: CuCode,
  override: Partial<ErrorSpec> & { ref?: string } = {},
): void {
  const spec: ErrorSpec = { ...CU_ERRORS[id], ...override };
  const body: CustomerErrorResponse = {
    exveErrorId: id,
    exveErrorMsg: spec.msg,
    exveErrorRef: override.ref ?? '',
    exveNote: spec.note,
  };
  res.status(spec.status).json(body);
}

/** The invalid-token answer people actually got from BMW (issue #381): 403, CU-127 despite the table, a reference. */
export function sendObservedInvalidToken(res: Response): void {
  sendCustomerError(res, 'CU-127', {
    status: 403,
    msg: 'invalid_token',
    note: 'The presented token is invalid or expired.',
    ref: randomUUID(),
  });
}

/** The body for a status forced by the `restStatus` fault. */
export function codeForStatus(status: number): CuCode {
  if (status === 503) return 'CU-503';
  if (status === 429) return 'CU-429';
  if (status >= 500) return 'CU-500';
  return 'CU-400';
}
