/**
 * The default fleet for `--vehicles N`: valid VINs, a BEV first and a PHEV second so even a two-car demo shows both
 * kinds, then every other profile in turn; homes spread around Munich; all of it derived from one seed.
 */
import { VIN_PATTERN } from '../../cardata/wire';
import type { QuirksOption } from './quirks';
import { getProfile, type ProfileName } from './profiles';
import { Rng, deriveSeed } from './random';
import type { GeoPoint } from './route';
import type { ScenarioStep } from './scenario';

export interface VehicleSpec {
  vin: string;
  /** A profile name from PROFILES. */
  profile: string;
  /** True SOC at the start (default 60). */
  startSoc?: number;
  /** Seed of this car's randomness (default: derived from the VIN). */
  seed?: number;
  /** Steps instead of the demo loop; [] = stand still. */
  scenario?: ScenarioStep[];
  quirks?: QuirksOption;
  home?: GeoPoint;
  odometerKm?: number;
  ambientC?: number;
  targetSoc?: number;
}

export const DEFAULT_PROFILE_ORDER: readonly ProfileName[] = [
  'i4-edrive40',
  '330e',
  'ix1-xdrive30',
  'mini-cooper-se',
  'ix2-edrive20-nopower',
  'ix3-neue-klasse',
];

const VIN_CHARS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';

export function defaultVehicleSpecs(count: number, seed = 1): VehicleSpec[] {
  if (!Number.isInteger(count) || count < 0) throw new Error(`vehicle count must be a whole number >= 0, got ${count}`);
  const specs: VehicleSpec[] = [];
  const used = new Set<string>();
  for (let i = 0; i < count; i++) {
    const rng = new Rng(deriveSeed(seed, `vehicle-${i}`));
    const profileName = DEFAULT_PROFILE_ORDER[i % DEFAULT_PROFILE_ORDER.length];
    let vin: string;
    do vin = makeVin(getProfile(profileName).vinPrefix, rng);
    while (used.has(vin));
    used.add(vin);
    specs.push({
      vin,
      profile: profileName,
      startSoc: Math.round(rng.range(35, 85)),
      seed: deriveSeed(seed, vin),
      home: { latitude: 48.137 + rng.range(-0.08, 0.08), longitude: 11.575 + rng.range(-0.12, 0.12) },
    });
  }
  return specs;
}

/** WMI + five descriptor characters + check digit 0 + model year + plant + six-digit serial. */
function makeVin(prefix: string, rng: Rng): string {
  let vin = prefix;
  for (let i = 0; i < 5; i++) vin += VIN_CHARS[rng.int(0, VIN_CHARS.length - 1)];
  vin += '0' + rng.pick(['N', 'P', 'R', 'S']) + rng.pick(['A', 'B', 'F', 'T']);
  vin += String(rng.int(0, 999_999)).padStart(6, '0');
  if (!VIN_PATTERN.test(vin)) throw new Error(`generated an invalid VIN ${vin}`);
  return vin;
}
