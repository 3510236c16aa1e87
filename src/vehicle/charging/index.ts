/** Charging SOC prediction and charging-efficiency learning, per VIN (reference/algorithms.md §2, §3, §7). */
export { ChargingEngine, type ChargingEngineOptions } from './engine';
export {
  EfficiencyMatrix,
  conditionLabel,
  nearestBracket,
  type ChargingProfile,
  type EfficiencyEntry,
  type EfficiencyLookup,
  type EfficiencyMatrixData,
  type MatrixDiagnostics,
  type ResetScope,
} from './efficiency-matrix';
export type { ChargeEndReason } from './charge-checks';
export type { ChargingEvent, LearningRejection, PollReason } from './events';
export type { Prediction } from './prediction';
export { SNAPSHOT_VERSION, type ChargingSnapshot } from './snapshot';
export type { ChargingSession, ChargingState, Method, PendingSession, PhasesSource } from './state';
export {
  detectPowertrain,
  isMetadataBev,
  isMetadataHybrid,
  type Powertrain,
  type PowertrainEvidence,
  type VehicleMetadata,
} from './powertrain';
export { acPowerKw, phaseMultiplier, powerKw } from './ac-power';
export { isChargingStatus, methodOf, parsePhases } from './charge-status';
export * as descriptors from './descriptors';
