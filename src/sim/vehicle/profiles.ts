/**
 * Vehicle profiles: the physical constants of each simulated model, what its telematics unit can report, and the
 * basicData (VehicleDto, protocol §4.3.2) BMW returns for it. Capacities match the model defaults of
 * algorithms.md §4.1 where the model is listed there, so a prediction falling back to those defaults is consistent.
 */
export type Powertrain = 'BEV' | 'PHEV';

/** What the car's telematics can send at all; unlike the reporter's quirks these are not switchable. */
export interface TelemetryCapabilities {
  /** Neue Klasse cars send stateOfCharge.displayed and no batteryManagement.header / charging.level (§6.5). */
  socDescriptor: 'header' | 'displayed';
  /** Whether charging.power / acVoltage / acAmpere / phaseNumber / avgAuxPower are ever sent. */
  reportsPower: boolean;
  /** isMoving as ASN_isTrue/ASN_isFalse, as JSON booleans, or never (some cars send no motion keys, §6.5). */
  isMoving: 'asn' | 'boolean' | 'absent';
  /** Stream the SOC while charging only when it moved this many points since the last one; 0 = not while charging. */
  socStepWhileCharging: number;
  /** Probability that the end of a charge is never streamed (REST still shows it, §6.5). */
  chargeEndNotStreamedProbability: number;
}

export interface VehicleProfile {
  name: string;
  powertrain: Powertrain;
  /** Usable (net) battery energy, the 0–100 % of the SOC. */
  capacityKwh: number;
  /** Installed (gross) size, what batterySizeMax reports. */
  grossKwh: number;
  ac: { phasesMax: 1 | 2 | 3; currentMaxA: number };
  dc?: { maxKw: number };
  /** Driving: mass with driver (kg), drag area Cd·A (m²), rolling resistance, drivetrain and recuperation efficiency. */
  massKg: number;
  dragAreaM2: number;
  rollingResistance: number;
  drivetrainEfficiency: number;
  regenEfficiency: number;
  /** What the car assumes per km for its range display (kWh/km). */
  rangeConsumptionKwhPerKm: number;
  fuel?: {
    tankLitres: number;
    /** True SOC at which the car switches to charge-sustaining (fuel) mode. */
    electricFloorSoc: number;
    /** Above this speed the engine drives (330e: electric up to 140 km/h). */
    electricMaxKmh: number;
    /** What the car assumes per km on fuel for its range display (l/km). */
    rangeLitresPerKm: number;
  };
  defaultTargetSoc: number;
  telemetry: TelemetryCapabilities;
  vinPrefix: string;
  basicData: Record<string, unknown>;
}

const bmwBasic = {
  brand: 'BMW',
  isTelematicsCapable: true,
  hasNavi: true,
  headUnit: 'MGU',
  hasSunRoof: false,
  countryCodeISO: 'DE',
  steering: 'LL',
  simStatus: 'ACTIVE',
};

export const PROFILES = {
  'i4-edrive40': {
    name: 'i4-edrive40',
    powertrain: 'BEV',
    capacityKwh: 80.7,
    grossKwh: 83.9,
    ac: { phasesMax: 3, currentMaxA: 16 },
    dc: { maxKw: 205 },
    massKg: 2125,
    dragAreaM2: 0.57,
    rollingResistance: 0.0085,
    drivetrainEfficiency: 0.87,
    regenEfficiency: 0.62,
    rangeConsumptionKwhPerKm: 0.18,
    defaultTargetSoc: 80,
    telemetry: {
      socDescriptor: 'header',
      reportsPower: true,
      isMoving: 'asn',
      socStepWhileCharging: 3,
      chargeEndNotStreamedProbability: 0.1,
    },
    vinPrefix: 'WBY',
    basicData: {
      ...bmwBasic,
      modelName: 'i4 eDrive40',
      modelRange: 'i4',
      series: '4',
      seriesDevt: 'G26',
      modelKey: '71AW',
      bodyType: 'G26',
      numberOfDoors: 5,
      engine: 'HA0001N0',
      driveTrain: 'BEV',
      propulsionType: 'BEV',
      chargingModes: ['AC_LOW', 'DC'],
      colourCode: '475',
      colourCodeRaw: 'P0475',
      constructionDate: '2023-11-14T00:00:00.000Z',
      fullSAList: '1CA,1CB,2VB,302,4NR,5AS',
      hvsMaxEnergyAbsolute: '80.7',
      puStep: '0723',
    },
  },
  '330e': {
    name: '330e',
    powertrain: 'PHEV',
    capacityKwh: 12.0,
    grossKwh: 12.0,
    ac: { phasesMax: 1, currentMaxA: 16 },
    massKg: 1815,
    dragAreaM2: 0.57,
    rollingResistance: 0.009,
    drivetrainEfficiency: 0.85,
    regenEfficiency: 0.6,
    rangeConsumptionKwhPerKm: 0.2,
    fuel: { tankLitres: 40, electricFloorSoc: 3, electricMaxKmh: 140, rangeLitresPerKm: 0.065 },
    defaultTargetSoc: 100,
    telemetry: {
      socDescriptor: 'header',
      reportsPower: true,
      isMoving: 'asn',
      socStepWhileCharging: 2,
      chargeEndNotStreamedProbability: 0.15,
    },
    vinPrefix: 'WBA',
    basicData: {
      ...bmwBasic,
      modelName: '330e',
      modelRange: '3',
      series: '3',
      seriesDevt: 'G20',
      modelKey: '5P31',
      bodyType: 'G20',
      numberOfDoors: 4,
      engine: 'B48B20O1',
      driveTrain: 'PHEV',
      propulsionType: 'PHEV',
      chargingModes: ['AC_LOW'],
      colourCode: 'C3N',
      colourCodeRaw: 'P0C3N',
      constructionDate: '2022-06-02T00:00:00.000Z',
      fullSAList: '1CA,2VB,302,4NR',
      hvsMaxEnergyAbsolute: '12.0',
      puStep: '0322',
    },
  },
  'ix1-xdrive30': {
    name: 'ix1-xdrive30',
    powertrain: 'BEV',
    capacityKwh: 64.7,
    grossKwh: 66.5,
    ac: { phasesMax: 3, currentMaxA: 16 },
    dc: { maxKw: 130 },
    massKg: 2085,
    dragAreaM2: 0.66,
    rollingResistance: 0.009,
    drivetrainEfficiency: 0.86,
    regenEfficiency: 0.6,
    rangeConsumptionKwhPerKm: 0.18,
    defaultTargetSoc: 80,
    telemetry: {
      socDescriptor: 'header',
      reportsPower: true,
      isMoving: 'boolean',
      socStepWhileCharging: 5,
      chargeEndNotStreamedProbability: 0.1,
    },
    vinPrefix: 'WBA',
    basicData: {
      ...bmwBasic,
      modelName: 'iX1 xDrive30',
      modelRange: 'iX1',
      series: 'X1',
      seriesDevt: 'U11',
      modelKey: '31EF',
      bodyType: 'U11',
      numberOfDoors: 5,
      engine: 'HB0001N0',
      driveTrain: 'BEV',
      propulsionType: 'BEV',
      chargingModes: ['AC_LOW', 'DC'],
      colourCode: 'C4P',
      colourCodeRaw: 'P0C4P',
      constructionDate: '2024-02-20T00:00:00.000Z',
      fullSAList: '1CA,2VB,302,5AS',
      hvsMaxEnergyAbsolute: '64.7',
      puStep: '1123',
    },
  },
  'mini-cooper-se': {
    name: 'mini-cooper-se',
    powertrain: 'BEV',
    capacityKwh: 28.9,
    grossKwh: 32.6,
    ac: { phasesMax: 3, currentMaxA: 16 },
    dc: { maxKw: 50 },
    massKg: 1440,
    dragAreaM2: 0.63,
    rollingResistance: 0.0095,
    drivetrainEfficiency: 0.86,
    regenEfficiency: 0.6,
    rangeConsumptionKwhPerKm: 0.16,
    defaultTargetSoc: 90,
    telemetry: {
      socDescriptor: 'header',
      reportsPower: true,
      isMoving: 'absent',
      socStepWhileCharging: 0,
      chargeEndNotStreamedProbability: 0.25,
    },
    vinPrefix: 'WMW',
    basicData: {
      ...bmwBasic,
      brand: 'MINI',
      headUnit: 'ENTRYNAV2',
      modelName: 'Cooper SE',
      modelRange: 'MINI',
      series: 'MINI',
      seriesDevt: 'F56',
      modelKey: '31XA',
      bodyType: 'F56',
      numberOfDoors: 3,
      engine: 'HA0001N0',
      driveTrain: 'BEV',
      propulsionType: 'BEV',
      chargingModes: ['AC_LOW', 'DC'],
      colourCode: 'C3D',
      colourCodeRaw: 'P0C3D',
      constructionDate: '2021-09-08T00:00:00.000Z',
      fullSAList: '1CA,2VB,302',
      hvsMaxEnergyAbsolute: '28.9',
      puStep: '0721',
    },
  },
  'ix2-edrive20-nopower': {
    name: 'ix2-edrive20-nopower',
    powertrain: 'BEV',
    capacityKwh: 64.7,
    grossKwh: 66.5,
    ac: { phasesMax: 3, currentMaxA: 16 },
    dc: { maxKw: 130 },
    massKg: 1940,
    dragAreaM2: 0.62,
    rollingResistance: 0.009,
    drivetrainEfficiency: 0.87,
    regenEfficiency: 0.6,
    rangeConsumptionKwhPerKm: 0.17,
    defaultTargetSoc: 80,
    telemetry: {
      socDescriptor: 'header',
      reportsPower: false,
      isMoving: 'absent',
      socStepWhileCharging: 4,
      chargeEndNotStreamedProbability: 0.1,
    },
    vinPrefix: 'WBA',
    basicData: {
      ...bmwBasic,
      modelName: 'iX2 eDrive20',
      modelRange: 'iX2',
      series: 'X2',
      seriesDevt: 'U10',
      modelKey: '21GA',
      bodyType: 'U10',
      numberOfDoors: 5,
      engine: 'HB0001N0',
      driveTrain: 'BEV',
      propulsionType: 'BEV',
      chargingModes: ['AC_LOW', 'DC'],
      colourCode: 'C57',
      colourCodeRaw: 'P0C57',
      constructionDate: '2024-05-13T00:00:00.000Z',
      fullSAList: '1CA,2VB,302',
      hvsMaxEnergyAbsolute: '64.7',
      puStep: '0324',
    },
  },
  'ix3-neue-klasse': {
    name: 'ix3-neue-klasse',
    powertrain: 'BEV',
    capacityKwh: 108.7,
    grossKwh: 112.0,
    ac: { phasesMax: 3, currentMaxA: 16 },
    dc: { maxKw: 400 },
    massKg: 2360,
    dragAreaM2: 0.7,
    rollingResistance: 0.0085,
    drivetrainEfficiency: 0.9,
    regenEfficiency: 0.65,
    rangeConsumptionKwhPerKm: 0.19,
    defaultTargetSoc: 80,
    telemetry: {
      socDescriptor: 'displayed',
      reportsPower: true,
      isMoving: 'boolean',
      socStepWhileCharging: 0,
      chargeEndNotStreamedProbability: 0.1,
    },
    vinPrefix: 'WBA',
    basicData: {
      ...bmwBasic,
      headUnit: 'NEUE_KLASSE',
      modelName: 'iX3 50 xDrive',
      modelRange: 'iX3',
      series: 'X3',
      seriesDevt: 'NA5',
      modelKey: '41NK',
      bodyType: 'NA5',
      numberOfDoors: 5,
      engine: 'HC0001N0',
      driveTrain: 'BEV',
      propulsionType: 'BEV',
      chargingModes: ['AC_LOW', 'DC'],
      colourCode: 'C6A',
      colourCodeRaw: 'P0C6A',
      constructionDate: '2026-01-12T00:00:00.000Z',
      fullSAList: '1CA,2VB,302,5AS',
      hvsMaxEnergyAbsolute: '108.7',
      puStep: '1125',
    },
  },
} satisfies Record<string, VehicleProfile>;

export type ProfileName = keyof typeof PROFILES;

export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];

export function isProfileName(name: string): name is ProfileName {
  return Object.prototype.hasOwnProperty.call(PROFILES, name);
}

export function getProfile(name: string): VehicleProfile {
  if (!isProfileName(name)) throw new Error(`unknown vehicle profile "${name}"; known: ${PROFILE_NAMES.join(', ')}`);
  return PROFILES[name];
}
