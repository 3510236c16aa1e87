/** The BMW descriptors the charging engine reads (reference/algorithms.md §0.3), by the short names used there. */
export const HDR = 'vehicle.drivetrain.batteryManagement.header';
export const DISP = 'vehicle.powertrain.electric.battery.stateOfCharge.displayed';
export const LVL = 'vehicle.drivetrain.electricEngine.charging.level';
export const TGT = 'vehicle.powertrain.electric.battery.stateOfCharge.target';
export const MAXE = 'vehicle.drivetrain.batteryManagement.maxEnergy';
export const BSM = 'vehicle.drivetrain.batteryManagement.batterySizeMax';
export const STAT = 'vehicle.drivetrain.electricEngine.charging.status';
export const METH = 'vehicle.drivetrain.electricEngine.charging.method';
export const PWR = 'vehicle.powertrain.electric.battery.charging.power';
export const VOLT = 'vehicle.drivetrain.electricEngine.charging.acVoltage';
export const AMP = 'vehicle.drivetrain.electricEngine.charging.acAmpere';
export const PH = 'vehicle.drivetrain.electricEngine.charging.phaseNumber';
export const TREM = 'vehicle.drivetrain.electricEngine.charging.timeRemaining';
export const PORT = 'vehicle.body.chargingPort.status';
export const PLUG = 'vehicle.powertrain.tractionBattery.charging.port.anyPosition.isPlugged';
export const PLUGEV = 'vehicle.body.chargingPort.plugEventId';
export const FUEL = 'vehicle.drivetrain.fuelSystem.remainingFuel';
export const FUELLVL = 'vehicle.drivetrain.fuelSystem.level';

/** Short names of the descriptors the charging engine reads, as the reference's scenario vectors write them. */
export const ALIASES: Readonly<Record<string, string>> = {
  HDR,
  DISP,
  LVL,
  TGT,
  MAXE,
  BSM,
  STAT,
  METH,
  PWR,
  VOLT,
  AMP,
  PH,
  TREM,
  PORT,
  PLUG,
  PLUGEV,
  FUEL,
  FUELLVL,
};

/** Only these are kept in the engine's state (and its snapshot); everything else BMW sends is not ours to hold. */
export const CHARGING_DESCRIPTORS: ReadonlySet<string> = new Set(Object.values(ALIASES));
