/** The BMW descriptors the driving prediction reads besides the motion tracker's (reference/algorithms.md §0.3). */
export { BSM, DISP, HDR, MAXE } from '../charging/descriptors';
export const HVSOC = 'vehicle.trip.segment.end.drivetrain.batteryManagement.hvSoc';
