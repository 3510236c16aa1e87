import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface CatalogueEntry {
  category: string | null;
  endpoint?: string;
}

interface CatalogueFile {
  descriptors: Record<string, CatalogueEntry>;
}

/**
 * The telematics data catalogue as the simulator needs it: which keys exist and which ones `telematicData` leaves out.
 * Generated from reference/descriptors.csv by scripts/gen-descriptor-categories.js; read at runtime (the build copies
 * the JSON into dist/ beside this file's directory).
 */
export class DescriptorCatalogue {
  private constructor(private readonly entries: ReadonlyMap<string, CatalogueEntry>) {}

  static load(file = join(__dirname, '..', 'data', 'descriptor-categories.json')): DescriptorCatalogue {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as CatalogueFile;
    return new DescriptorCatalogue(new Map(Object.entries(parsed.descriptors)));
  }

  has(descriptor: string): boolean {
    return this.entries.has(descriptor);
  }

  /** BMW returns nothing for BASIC_DATA keys or keys served by a dedicated endpoint, even when they sit in a container. */
  omittedFromTelematicData(descriptor: string): boolean {
    const entry = this.entries.get(descriptor);
    return entry !== undefined && (entry.category === 'BASIC_DATA' || entry.endpoint !== undefined);
  }

  get size(): number {
    return this.entries.size;
  }
}

let shared: DescriptorCatalogue | undefined;

/** The catalogue shipped with the package, read once. */
export function descriptorCatalogue(): DescriptorCatalogue {
  shared ??= DescriptorCatalogue.load();
  return shared;
}
