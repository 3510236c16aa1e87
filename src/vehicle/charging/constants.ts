/**
 * Every number the charging prediction and learning use, with where it comes from (reference/algorithms.md §2–§3).
 * Durations are milliseconds because time comes in as epoch ms.
 */

/** The car's own consumers while charging (pumps, electronics); BMW-sourced power minus this reaches the battery. */
export const AUX_POWER_KW = 0.3;

/** A gap longer than this is credited only up to this long: after it we no longer know what the power was. */
export const MAX_ENERGY_GAP_MS = 600_000;

export const DEFAULT_AC_EFFICIENCY = 0.9;
export const DEFAULT_DC_EFFICIENCY = 0.93;

/** Below 250 V a reading is line-to-neutral (×phases); above it line-to-line (×√3, as BMW's 400 V reports are). */
export const LINE_TO_LINE_VOLTS = 250;
export const SQRT3 = 1.732;

/** A phase count > 1 stamped this much before the charge start still belongs to it (BMW re-stamps PH late). */
export const PHASE_COUNT_LEAD_MS = 10_000;

/** Power derived from a SOC rise only when the rise spans at least this long; shorter rises are rounding noise. */
export const DERIVED_POWER_MIN_MS = 300_000;

/**
 * DC: BMW's SOC steps, at least this far apart and both after the last power reading, give the power in use. DC
 * crosses a point a minute or faster, so a shorter window than the no-telemetry rule's still spans several points.
 */
export const DC_STEP_POWER_MIN_MS = 120_000;

/** A meter reading wins over every BMW power source for this long (inclusive). */
export const LOCAL_POWER_TTL_MS = 120_000;

/** BMW SOC readings measured up to this long before the charge start (same upload burst) belong to the session. */
export const FRESHNESS_TOLERANCE_MS = 10_000;

/**
 * BMW's SOC is a whole percent, and whether BMW rounds or floors the true SOC is not known. At the moment a live
 * value steps up to N the true SOC crossed N − 0.5 (rounding) or N (flooring); N minus this offset is a quarter point
 * from either, so an anchor there is never more than 0.25 off whichever BMW does (docs/differences-charging.md #25).
 */
export const CROSSING_OFFSET = 0.25;

/** Reading a non-charging SOC within this many points of the prediction keeps the prediction's decimals. */
export const SOC_HYSTERESIS = 0.5;

// Phase-count inference (§2.10).
export const INFERENCE_REFERENCE_EFFICIENCY = 0.9;
export const INFERENCE_MIN_GAIN = 8;
export const INFERENCE_RAISE_MIN = 2.5;
export const INFERENCE_RAISE_MAX = 4.5;
export const INFERENCE_WITHDRAW_MAX = 1.5;
export const INFERENCE_VOTES = 2;
export const INFERENCE_CEILING_MARGIN = 5;

// Learning (§3).
export const MIN_LEARNING_SOC_GAIN = 5;
export const MIN_VALID_EFFICIENCY = 0.4;
export const MAX_VALID_EFFICIENCY = 0.98;
export const TARGET_SOC_TOLERANCE = 2;
export const AC_FINALISE_GRACE_MS = 15 * 60_000;
export const DC_FINALISE_GRACE_MS = 5 * 60_000;
/** More than this share of the session's energy at the wrong phase count makes the session useless to learn from. */
export const MAX_MISATTRIBUTED_SHARE = 0.05;
export const LEARNING_RATE_FLOOR = 0.2;
export const OUTLIER_MIN_HISTORY = 5;
export const OUTLIER_SIGMAS = 2;
export const HISTORY_LENGTH = 10;
export const CAPACITY_TRUST_TOLERANCE = 0.2;
/**
 * A step of BMW's SOC marks a crossing only when it reaches us this soon after BMW measured it (one upload burst):
 * a value re-delivered later, by an API poll, says the boundary was crossed some time before, not when.
 */
export const LIVE_CROSSING_MS = 60_000;

// API poll helpers (§2.11).
export const PHASE_POLL_DELAY_MS = 60_000;
export const PHASE_POLL_COOLDOWN_MS = 3_600_000;
export const CHARGE_END_POLL_COOLDOWN_MS = 3_600_000;

/** Matrix brackets (§3.1); a condition is filed under the nearest, ties to the lower one. */
export const VOLTAGE_BRACKETS: readonly number[] = [250, 410, 810];
export const CURRENT_BRACKETS: readonly number[] = [6, 11, 16, 32, 64];
/** DC has one condition whatever the pack voltage: phases 0 (sentinel), the 400 V class, current 0. */
export const DC_NOMINAL_VOLTS = 400;
export const FALLBACK_VOLTS = 230;
export const FALLBACK_AMPS = 16;

/** BMW PWR without a unit is documented as W; no car charges above this many kW, so a larger bare number is W. */
export const MAX_PLAUSIBLE_KW = 400;

// Error bound (our addition): uncertainty of the efficiency in use, as an absolute efficiency.
export const EFFICIENCY_UNCERTAINTY_DEFAULT = 0.07;
export const EFFICIENCY_UNCERTAINTY_MEAN = 0.05;
export const EFFICIENCY_UNCERTAINTY_FEW = 0.04;
export const EFFICIENCY_UNCERTAINTY_FLOOR = 0.01;
/**
 * BMW reports whole percent, rounded or floored (not known): a value N it holds says the true SOC is somewhere in
 * [N − 0.5, N + 1), so a prediction anchored on N may be a point off. One anchored on a step is off by at most
 * CROSSING_OFFSET.
 */
export const BMW_SOC_RESOLUTION = 1;
