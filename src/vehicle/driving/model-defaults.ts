/**
 * Consumption and usable capacity by model when nothing is learned or reported (reference/algorithms.md §4.1):
 * the longest prefix of the model name wins, case-sensitive.
 */
import { DEFAULT_CONSUMPTION } from './constants';

export interface ModelDefaults {
  consumptionKwhPerKm: number;
  capacityKwh: number | null;
}

const TABLE: readonly [prefix: string, kwhPerKm: number, capacityKwh: number][] = [
  ['iX1 xDrive30', 0.18, 64.7],
  ['iX1', 0.17, 64.7],
  ['iX2 xDrive30', 0.18, 64.7],
  ['iX2', 0.17, 64.7],
  ['iX3 50 xDrive', 0.19, 109.0],
  ['iX3', 0.2, 74.0],
  ['iX M60', 0.24, 105.2],
  ['iX xDrive60', 0.21, 105.2],
  ['iX xDrive50', 0.22, 105.2],
  ['iX xDrive40', 0.22, 71.0],
  ['iX', 0.22, 76.6],
  ['i4 M50', 0.21, 80.7],
  ['i4 eDrive40', 0.18, 80.7],
  ['i4 eDrive35', 0.17, 59.4],
  ['i4', 0.18, 80.7],
  ['i5 M60', 0.2, 81.2],
  ['i5 eDrive40', 0.18, 81.2],
  ['i5 xDrive40', 0.18, 81.2],
  ['i5', 0.18, 81.2],
  ['i7 M70', 0.23, 101.7],
  ['i7 xDrive60', 0.21, 101.7],
  ['i7 eDrive50', 0.2, 101.7],
  ['i7', 0.21, 101.7],
];

// Longest first, so `iX1` is tried before `iX`.
const BY_LENGTH = [...TABLE].sort((a, b) => b[0].length - a[0].length);

export function modelDefaults(model: string | null | undefined): ModelDefaults {
  const name = (model ?? '').trim();
  const match = name ? BY_LENGTH.find(([prefix]) => name.startsWith(prefix)) : undefined;
  if (!match) return { consumptionKwhPerKm: DEFAULT_CONSUMPTION, capacityKwh: null };
  return { consumptionKwhPerKm: match[1], capacityKwh: match[2] };
}
