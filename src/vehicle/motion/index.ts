/** Location, motion and trip detection (reference/algorithms.md §6). */
export { MotionTracker, type Location, type MotionAttributes, type MotionMetric, type MotionOutput } from './tracker';
export { MOTION_SNAPSHOT_VERSION, type MotionSnapshot, type MotionState } from './state';
export type { Fix, PairedBy } from './gps-pairing';
