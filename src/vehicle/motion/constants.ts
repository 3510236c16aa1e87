/** Every number the motion and trip logic uses (reference/algorithms.md §6), in one place. Times in ms, distances in m. */

// §6.1 GPS pairing: BMW sends latitude and longitude as separate descriptors, sometimes seconds apart.
export const PAIR_BY_TIMESTAMP_MS = 5_000;
export const PAIR_BY_ARRIVAL_MS = 30_000;
/** A coordinate that waited this long for its partner is not paired any more. */
export const COORDINATE_MAX_AGE_MS = 600_000;
/** The shown position moves only for fixes this far away, unless the car is moving (GPS jitter when parked). */
export const DISPLAY_MIN_MOVE_M = 3;

// §6.2 motion detector.
export const PARK_RADIUS_M = 35;
export const ESCAPE_RADIUS_M = 70;
export const MAX_PARK_READINGS = 10;
/** A stop counts as parked once a fix in the park cluster is this old: shorter stops are traffic lights. */
export const PARK_CONFIRM_MS = 90_000;
export const GPS_ACTIVE_MS = 120_000;
export const GPS_STALE_MS = 300_000;
export const MILEAGE_WINDOW_MS = 420_000;
export const DOOR_GRACE_MS = 30_000;
export const MILEAGE_STEP_KM = 0.1;
export const MILEAGE_REBASE_KM = 1.0;

// §6.4 odometer sanity filter (in the stored unit).
export const ODOMETER_MAX_DROP = 1.0;
export const ODOMETER_MAX_RISE = 2000;
export const ODOMETER_CORROBORATION = 1.0;
export const KM_PER_MILE = 1.609344;

// §4.8 GPS distance.
/** Steps up to this length always count (the reference's only rule). */
export const GPS_STEP_ALWAYS_M = 2000;
/** Longer steps count when the time between the fixes makes them drivable at this speed. */
export const GPS_MAX_SPEED_KMH = 250;
/** Fixes this close to (0, 0) are a receiver without a position, not a place in the Gulf of Guinea. */
export const NULL_ISLAND_DEG = 0.1;
