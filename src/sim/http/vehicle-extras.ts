import { createHash } from 'node:crypto';

const DAY_MS = 86_400_000;
export const LBCS_PAGE_SIZE = 2;

/** Deterministic per-VIN numbers, so the same car always shows the same places and tyres. */
function seedOf(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

function stableId(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Location-based charging settings: the places the car learned it charges at (home = where it is now, plus work and
 * a supermarket), paged by `nextToken` as BMW does. `undefined` when the token is not one of ours.
 */
export function locationBasedChargingSettings(
  vin: string,
  gcid: string,
  home: { latitude: number; longitude: number },
  now: number,
  nextToken?: string,
): { data: Record<string, unknown>[]; nextToken?: string } | undefined {
  const seed = seedOf(vin);
  const places = [
    { dLat: 0, dLon: 0, visits: 140 + (seed % 60), window: [22, 0, 6, 0], mode: 'DELAYED_CHARGING', limit: 16 },
    {
      dLat: 0.061,
      dLon: -0.043,
      visits: 35 + (seed % 20),
      window: [8, 30, 17, 0],
      mode: 'IMMEDIATE_CHARGING',
      limit: 32,
    },
    { dLat: -0.012, dLon: 0.024, visits: 4 + (seed % 5), window: [0, 0, 0, 0], mode: 'IMMEDIATE_CHARGING', limit: 32 },
  ].map((p, i) => {
    const [startHour, startMinute, stopHour, stopMinute] = p.window;
    const lastVisit = now - ((seed >> (i * 4)) % 9) * DAY_MS - i * 3_600_000;
    return {
      id: stableId(`${vin}:lbcs:${i}`),
      lastUpdated: new Date(Math.floor(lastVisit / 1000) * 1000).toISOString(),
      clusterLocationId: stableId(`${vin}:cluster:${i}`),
      latitude: round(home.latitude + p.dLat, 5),
      longitude: round(home.longitude + p.dLon, 5),
      lastVisit: new Date(Math.floor(lastVisit / 1000) * 1000).toISOString(),
      visits: p.visits,
      chargingMode: p.mode,
      optimizedChargingPreference: p.mode === 'DELAYED_CHARGING' ? 'CHARGING_WINDOW' : 'NO_PREFERENCE',
      startChargingTimePeriodHour: startHour,
      startChargingTimePeriodMinute: startMinute,
      stopChargingTimePeriodHour: stopHour,
      stopChargingTimePeriodMinute: stopMinute,
      vehicleIdWithGcid: `${vin}_${gcid}`,
      chargingTimeWindows:
        p.mode === 'DELAYED_CHARGING'
          ? [
              {
                startChargingTimePeriodHour: startHour,
                startChargingTimePeriodMinute: startMinute,
                stopChargingTimePeriodHour: stopHour,
                stopChargingTimePeriodMinute: stopMinute,
              },
            ]
          : [],
      acCurrentLimitFlag: p.limit < 32 ? 'ACTIVE' : 'INACTIVE',
      acCurrentLimit: p.limit,
      acousticLimit: 'UNLIMITED',
      flapLock: 'AUTOMATIC',
      chargingPlug: 'TYPE_2',
    };
  });
  const offset = nextToken === undefined ? 0 : decodeOffset(vin, nextToken);
  if (offset === undefined) return undefined;
  const end = offset + LBCS_PAGE_SIZE;
  const page = { data: places.slice(offset, end) };
  return end < places.length ? { ...page, nextToken: Buffer.from(`${vin}:${end}`).toString('base64url') } : page;
}

function decodeOffset(vin: string, token: string): number | undefined {
  const [tokenVin, offset] = Buffer.from(token, 'base64url').toString('utf8').split(':');
  const n = Number(offset);
  return tokenVin === vin && Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** Smart-maintenance tyre diagnosis: summer tyres mounted with per-wheel data, winter set stored with labels only. */
export function tyreDiagnosis(vin: string, now: number): Record<string, unknown> {
  const seed = seedOf(`${vin}:tyres`);
  const mounted = new Date(now - (120 + (seed % 200)) * DAY_MS);
  const mountingDate = mounted.toISOString().slice(0, 10);
  const tyre = (label: string, dueMileage: number) => {
    const color = dueMileage < 3000 ? 'RED' : dueMileage < 8000 ? 'YELLOW' : 'GREEN';
    return {
      label,
      dimension: {
        label: 'Dimension',
        aspectRatio: 45,
        constructionType: 'R',
        loadIndex: 94,
        rimDiameter: 18,
        sectionWidth: 245,
        speedRating: 'Y',
        value: '245/45 R18 94Y',
      },
      mountingDate: { label: 'Mounting date', mountingDate, value: mountingDate },
      optimizedForOem: { label: 'BMW star marking', optimizedForOem: 'true', value: 'Yes' },
      partNumber: { label: 'Part number', partNumber: '36122461531', value: '36122461531' },
      qualityStatus: { label: 'Condition', qualityStatus: color === 'GREEN' ? 'OK' : 'WARNING', value: 'Good' },
      runFlat: { label: 'Run-flat', runFlat: false, value: 'No' },
      season: { label: 'Season', season: 'SUMMER', value: 'Summer tyre' },
      tread: {
        label: 'Tyre',
        carcass: 'Radial',
        manufacturer: 'Pirelli',
        treadDesign: 'P Zero',
        value: 'Pirelli P Zero',
      },
      tyreDefect: { label: 'Tyre defect', status: 'NO_DEFECT', statusColor: 'GREEN', value: 'No defect detected' },
      tyreProductionDate: { label: 'Production date', statusColor: 'GREEN', value: `${(seed % 52) + 1}/2025` },
      // Observed: the wear text is a distance to the next change, not a tread depth (bridge changelog v1.9.1).
      tyreWear: {
        label: 'Tyre wear',
        status: color === 'GREEN' ? 'OK' : 'CHECK',
        statusColor: color,
        dueMileage,
        unit: 'KILOMETER',
        value: `Approx. ${dueMileage.toLocaleString('en-GB')} km until replacement`,
      },
    };
  };
  const front = 18_000 + (seed % 9_000);
  const rear = Math.max(1_000, front - 6_500);
  return {
    passengerCar: {
      mountedTyres: {
        label: 'Summer tyres',
        aggregatedQualityStatus: { label: 'Tyre condition', qualityStatus: 'OK', value: 'All tyres in good condition' },
        frontLeft: tyre('Front left', front),
        frontRight: tyre('Front right', front - 400),
        rearLeft: tyre('Rear left', rear),
        rearRight: tyre('Rear right', rear - 300),
      },
      // Observed: for tyres without data BMW sends only a label.
      unmountedTyres: {
        label: 'Winter tyres',
        aggregatedQualityStatus: { label: 'Tyre condition' },
        frontLeft: { label: 'Front left' },
        frontRight: { label: 'Front right' },
        rearLeft: { label: 'Rear left' },
        rearRight: { label: 'Rear right' },
      },
    },
    errors: [],
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
