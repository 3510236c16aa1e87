/** The driving prediction, "magic SOC" (reference/algorithms.md §4), and its consumption learning. */
export { DrivingEngine, type DrivingEvent, type DrivingOptions, type DrivingPrediction } from './engine';
export { learningRate, type LearnedConsumption } from './consumption';
export { SPEED_BRACKETS, speedBracket, type SpeedBracket } from './speed-brackets';
export { modelDefaults } from './model-defaults';
