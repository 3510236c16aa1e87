/**
 * BEV or PHEV (reference §7). A car with a fuel descriptor is a PHEV unless BMW's metadata says it is electric; the
 * PHEV rules let BMW's SOC pull the charging prediction down and switch off phase inference and Magic SOC.
 */

export type Powertrain = 'BEV' | 'PHEV';

/** BMW basicData fields that name the drivetrain. */
export interface VehicleMetadata {
  driveTrain?: string | null;
  propulsionType?: string | null;
  modelName?: string | null;
  series?: string | null;
}

// The integration's consumption-table prefixes (all-electric models). Case-sensitive as BMW writes them; no i3,
// whose range-extender version has a fuel tank.
const BEV_MODEL_PREFIXES = ['iX1', 'iX2', 'iX3', 'iX', 'i4', 'i5', 'i7'];

function drivetrainWords(metadata: VehicleMetadata): string[] {
  return [metadata.driveTrain, metadata.propulsionType]
    .filter((v): v is string => typeof v === 'string' && v.trim() !== '')
    .map((v) => v.toUpperCase());
}

/**
 * Metadata says hybrid. The reference only looks for BEV/ELECTRIC, so `PLUGIN_HYBRID_ELECTRIC` counted as a BEV
 * (§12.5 #33); any HYBRID or PHEV wording is a hybrid here, and wins over the model-name prefix.
 */
export function isMetadataHybrid(metadata: VehicleMetadata | undefined): boolean {
  if (!metadata) return false;
  return drivetrainWords(metadata).some((w) => w.includes('HYBRID') || w.includes('PHEV'));
}

export function isMetadataBev(metadata: VehicleMetadata | undefined): boolean {
  if (!metadata || isMetadataHybrid(metadata)) return false;
  if (drivetrainWords(metadata).some((w) => w.includes('BEV') || w.includes('ELECTRIC'))) return true;
  const name = metadata.modelName?.trim() || metadata.series?.trim() || '';
  return BEV_MODEL_PREFIXES.some((prefix) => name.startsWith(prefix));
}

export interface PowertrainEvidence {
  /** The car sends a battery SOC (header or displayed); without one nothing is decided. */
  hasSoc: boolean;
  /** The car sends a fuel descriptor (remaining fuel or tank level). */
  hasFuel: boolean;
  metadata?: VehicleMetadata;
}

/** BEV, PHEV, or null while the car has sent no SOC to decide on. */
export function detectPowertrain(evidence: PowertrainEvidence): Powertrain | null {
  if (!evidence.hasSoc) return null;
  if (isMetadataHybrid(evidence.metadata)) return 'PHEV';
  return evidence.hasFuel && !isMetadataBev(evidence.metadata) ? 'PHEV' : 'BEV';
}
