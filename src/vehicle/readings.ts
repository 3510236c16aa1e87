/**
 * The vehicle layer's input: one BMW descriptor value after normalisation (src/cardata/normalise.ts). The stream,
 * the REST client and replay all produce these, so every engine sees BMW's quirks already ironed out.
 */

/** Booleans are real booleans (`ASN_isTrue` → true), numeric strings are numbers, sentinels (`-NA-`) are null. */
export type ReadingValue = number | string | boolean | null;

export interface Reading {
  /** BMW descriptor name, e.g. `vehicle.drivetrain.batteryManagement.header`. */
  descriptor: string;
  value: ReadingValue;
  /** Normalised unit (`%`, `km`, `mi`, `W`, `kW`, …); null when BMW sent none. */
  unit: string | null;
  /** When the car measured the value (BMW's per-descriptor timestamp), epoch ms; null when absent or unusable. */
  measuredAt: number | null;
}
