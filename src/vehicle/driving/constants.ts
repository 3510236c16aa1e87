/** Constants of the driving prediction (reference/algorithms.md §4.1). */

/** kWh/km when neither learning nor the model table knows better. */
export const DEFAULT_CONSUMPTION = 0.21;
/** A trip's measured consumption outside this range is a measurement error, not driving. */
export const MIN_CONSUMPTION = 0.1;
export const MAX_CONSUMPTION = 0.4;
export const MIN_LEARNING_KM = 5;
export const MIN_LEARNING_DROP = 2;
/** A trip this long counts fully; a shorter one in proportion. */
export const REFERENCE_TRIP_KM = 30;
/** The adaptive learning rate never falls below this. */
export const LEARNING_RATE_FLOOR = 0.2;
/** A trip that ends and starts again within this is one trip (an isMoving flap, a stop at the lights). */
export const CONTINUITY_MS = 300_000;
/** An open trip older than this when the state is loaded is dropped. */
export const RESTORED_TRIP_MAX_AGE_MS = 4 * 3_600_000;
/** Within this, BMW's integer and our value are the same reading. */
export const HYSTERESIS_POINTS = 0.5;
/** A Traccar reading stands for the polling window it arrives in (DESIGN.md §6). */
export const SPEED_WINDOW_MS = 60_000;
/**
 * How long learning waits at a trip's end for a BMW SOC at least as new as the final odometer: BMW usually sends
 * the post-trip SOC after the car has stopped (§12.3 #21).
 */
export const END_SOC_WAIT_MS = 15 * 60_000;
/**
 * With a Traccar speed, the kilometres since BMW's last odometer or position are estimated from it, for at most
 * this long: BMW uploads every 2–3 min while driving, and a longer silence more likely means a stop than driving.
 */
export const EXTRAPOLATION_MAX_MS = 120_000;
/** Below this (km/h) nothing is estimated between BMW's uploads: city traffic is too uneven for one sample. */
export const EXTRAPOLATION_MIN_KMH = 60;
