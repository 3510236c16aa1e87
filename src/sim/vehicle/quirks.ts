/**
 * How faithfully the simulated car reports. `realistic` reproduces BMW's observed stream (protocol §6.5, §9.25–26);
 * `clean` reports every change promptly and completely, so benchmarks can separate an algorithm's error from the
 * stream's sparseness. What a car cannot report at all (TelemetryCapabilities) is not a quirk and stays either way.
 */
import type { VehicleProfile } from './profiles';

export interface ReporterQuirks {
  /** Split each upload into 3–10 messages of 1–3 descriptors within < 1 s; off: one message per upload. */
  bursts: boolean;
  /** Fill bursts with repeats of values already in them (the same SOC or position again). */
  repeats: boolean;
  /** Per-descriptor timestamps 0–3 s older than the upload. */
  staleTimestamps: boolean;
  /** Longitude in its own message 2–25 s after latitude + heading; sometimes only one of them ever comes. */
  splitLatLon: boolean;
  /** The first position of a trip-end burst is one from 15–30 s earlier, while the car still moved. */
  staleFirstFix: boolean;
  /** Seconds between GPS uploads while driving [min, max]. */
  gpsIntervalS: [number, number];
  /** Charging power, voltage and current in 2–3 min bursts then 50–60 min silence; off: all the time. */
  powerBursts: boolean;
  /** Seconds between power readings while they are being sent. */
  powerIntervalS: number;
  /** phaseNumber sometimes in a later message than voltage and current. */
  latePhaseNumber: boolean;
  /** BMW resets phaseNumber to 1-PHASES after a charge. */
  phaseResetAfterCharge: boolean;
  /** Probability that a charge reaching its target is never streamed; default from the profile. */
  chargeEndNotStreamedProbability: number;
  /** Stream the SOC while charging every N points; default from the profile; 0 = never. */
  socStepWhileCharging: number;
  /** After an external (wallbox) stop the car keeps saying CHARGINGACTIVE this many seconds [min, max]. */
  externalStopLagS: [number, number];
  /** Probability that maxEnergy / batterySizeMax come along at a charge start or trip end. */
  capacityProbability: number;
  /** A small upload every 4–8 h while parked; off: a parked car is silent. */
  parkedUploads: boolean;
  /**
   * How the whole-percent SOC is made from the true one. Whether BMW rounds or floors is not known; `round` is the
   * default, `floor` lets a benchmark check that the prediction does not depend on the simulator's choice.
   */
  socQuantisation: SocQuantisation;
}

export type SocQuantisation = 'round' | 'floor';

export type QuirksOption = 'realistic' | 'clean' | Partial<ReporterQuirks>;

export function realisticQuirks(profile: VehicleProfile): ReporterQuirks {
  return {
    bursts: true,
    repeats: true,
    staleTimestamps: true,
    splitLatLon: true,
    staleFirstFix: true,
    gpsIntervalS: [120, 180],
    powerBursts: true,
    powerIntervalS: 45,
    latePhaseNumber: true,
    phaseResetAfterCharge: true,
    chargeEndNotStreamedProbability: profile.telemetry.chargeEndNotStreamedProbability,
    socStepWhileCharging: profile.telemetry.socStepWhileCharging,
    externalStopLagS: [300, 1800],
    capacityProbability: 0.3,
    parkedUploads: true,
    socQuantisation: 'round',
  };
}

export function cleanQuirks(): ReporterQuirks {
  return {
    bursts: false,
    repeats: false,
    staleTimestamps: false,
    splitLatLon: false,
    staleFirstFix: false,
    gpsIntervalS: [30, 30],
    powerBursts: false,
    powerIntervalS: 60,
    latePhaseNumber: false,
    phaseResetAfterCharge: false,
    chargeEndNotStreamedProbability: 0,
    socStepWhileCharging: 1,
    externalStopLagS: [0, 0],
    capacityProbability: 1,
    parkedUploads: false,
    socQuantisation: 'round',
  };
}

/** A partial object overrides the realistic defaults. */
export function resolveQuirks(profile: VehicleProfile, option: QuirksOption = 'realistic'): ReporterQuirks {
  if (option === 'clean') return cleanQuirks();
  if (option === 'realistic') return realisticQuirks(profile);
  return { ...realisticQuirks(profile), ...option };
}
