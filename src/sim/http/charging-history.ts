import type { ChargingSessionRecord } from '../fleet-view';
import type { CuCode } from './rest-errors';
import { placeNear } from './places';

const DAY_MS = 86_400_000;
/** A third-party bridge found 30 and 45 days accepted, 60 and 90 refused with CU-401 (§4.3.5). */
export const MAX_HISTORY_WINDOW_DAYS = 45;
export const CHARGING_HISTORY_PAGE_SIZE = 10;
/** How long a next_token stays usable before CU-125. BMW's lifetime is not documented. */
export const HISTORY_TOKEN_TTL_MS = 15 * 60_000;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;

export type HistoryRequest =
  { ok: true; fromMs: number; toMs: number; offset: number } | { ok: false; code: CuCode; note: string };

interface PageToken {
  vin: string;
  from: number;
  to: number;
  offset: number;
  issued: number;
}

/** Check `from`, `to` and `nextToken` as BMW does: ISO date-times only (Unix seconds are refused), at most 45 days. */
export function parseHistoryRequest(
  vin: string,
  query: { from?: unknown; to?: unknown; nextToken?: unknown },
  now: number,
): HistoryRequest {
  const { from, to, nextToken } = query;
  if (from === undefined || to === undefined) return { ok: false, code: 'CU-400', note: 'from and to are required.' };
  const fromMs = typeof from === 'string' && ISO_DATE_TIME.test(from) ? Date.parse(from) : NaN;
  const toMs = typeof to === 'string' && ISO_DATE_TIME.test(to) ? Date.parse(to) : NaN;
  if (Number.isNaN(fromMs) || Number.isNaN(toMs)) {
    return {
      ok: false,
      code: 'CU-401',
      note: 'from and to must be ISO 8601 date-times, e.g. 2026-03-01T00:00:00.000Z.',
    };
  }
  if (toMs <= fromMs) return { ok: false, code: 'CU-401', note: 'to must be after from.' };
  if (toMs - fromMs > MAX_HISTORY_WINDOW_DAYS * DAY_MS) {
    return { ok: false, code: 'CU-401', note: `The time window must not exceed ${MAX_HISTORY_WINDOW_DAYS} days.` };
  }
  if (nextToken === undefined) return { ok: true, fromMs, toMs, offset: 0 };
  const token = typeof nextToken === 'string' ? decodeToken(nextToken) : undefined;
  if (!token || token.vin !== vin || token.from !== fromMs || token.to !== toMs) {
    return { ok: false, code: 'CU-401', note: 'nextToken does not belong to this request.' };
  }
  if (now - token.issued > HISTORY_TOKEN_TTL_MS) return { ok: false, code: 'CU-125', note: 'nextToken expired.' };
  return { ok: true, fromMs, toMs, offset: token.offset };
}

/** One page of `ChargingHistoryResponseDto`, newest session first. On the last page `next_token` is left out. */
export function chargingHistoryPage(
  vin: string,
  sessions: ChargingSessionRecord[],
  request: { fromMs: number; toMs: number; offset: number },
  now: number,
): { data: Record<string, unknown>[]; next_token?: string } {
  const inWindow = sessions
    .filter((s) => s.startMs >= request.fromMs && s.startMs <= request.toMs)
    .sort((a, b) => b.startMs - a.startMs);
  const end = request.offset + CHARGING_HISTORY_PAGE_SIZE;
  const page = { data: inWindow.slice(request.offset, end).map(sessionDto) };
  if (end >= inWindow.length) return page;
  const token: PageToken = { vin, from: request.fromMs, to: request.toMs, offset: end, issued: now };
  return { ...page, next_token: Buffer.from(JSON.stringify(token)).toString('base64url') };
}

function sessionDto(s: ChargingSessionRecord): Record<string, unknown> {
  const place = placeNear(s.latitude, s.longitude);
  const startTime = Math.floor(s.startMs / 1000);
  const endTime = Math.floor(s.endMs / 1000);
  // BMW's energies come out of a float32 (22.979991912841797): a client must not expect round numbers.
  const energy = Math.fround(s.energyFromGridKwh);
  const dto: Record<string, unknown> = {
    startTime,
    endTime,
    timeZone: 'Europe/Berlin',
    totalChargingDurationSec: endTime - startTime,
    displayedStartSoc: Math.round(s.startSoc),
    displayedSoc: Math.round(s.endSoc),
    energyConsumedFromPowerGridKwh: energy,
    isPreconditioningActivated: false,
    mileage: Math.max(0, Math.round(s.mileageKm)),
    mileageUnits: 'MileageUnits.KM',
    chargingCostInformation: {
      currency: 'EUR',
      calculatedChargingCost: Math.round(energy * (s.method === 'DC' ? 0.59 : 0.35) * 100) / 100,
      calculatedSavings: 0,
    },
    chargingLocation: {
      municipality: place.city,
      formattedAddress: `${place.street}, ${place.postalCode} ${place.city}`,
      streetAddress: place.street,
      mapMatchedLatitude: s.latitude,
      mapMatchedLongitude: s.longitude,
    },
    chargingBlocks: [{ startTime, endTime, averagePowerGridKw: Math.fround(s.averagePowerKw) }],
    businessErrors: [],
  };
  if (s.method === 'DC') {
    dto.publicChargingPoint = {
      potentialChargingPointMatches: [
        { postalCode: place.postalCode, streetAddress: place.street, providerName: 'IONITY', city: place.city },
      ],
    };
  }
  return dto;
}

function decodeToken(text: string): PageToken | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<PageToken>;
    const { vin, from, to, offset, issued } = parsed;
    if (typeof vin !== 'string' || ![from, to, offset, issued].every((n) => typeof n === 'number')) return undefined;
    return parsed as PageToken;
  } catch {
    return undefined;
  }
}
