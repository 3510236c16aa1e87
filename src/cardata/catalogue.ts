/**
 * BMW's descriptor catalogue as the package ships it (src/cardata/data/descriptor-catalogue.json, generated from
 * reference/descriptors.csv by scripts/gen-descriptor-catalogue.js): what a descriptor is called, its unit and type,
 * and the values an enum can take. It answers "what is this key?" for messages and the editor; it never decides
 * what the stream may carry — BMW sends keys that are in no catalogue (stateOfCharge.displayed is one).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DescriptorInfo {
  name: string;
  /** BMW's English title, e.g. "Mileage". */
  title: string;
  /** TDC category (`BEV_PHEV_DATA`, `VEHICLE_STATUS`, …); null for keys outside the catalogue. */
  category: string | null;
  /** BMW portal group (`GPS`, `Charging EV`, …). */
  group: string | null;
  /** Whether the stream can carry it; false = REST only; null = unknown. */
  streamable: boolean | null;
  /** Catalogue data type (`float`, `uint8`, `string`, `boolean`, …). */
  type: string | null;
  /** Normalised like the stream's units (`%`, not `percent`); null when the value has none. */
  unit: string | null;
  /** The values an enum descriptor takes, when the catalogue lists them. */
  enum?: string[];
  /** The catalogue's typical value range, as written. */
  range: string | null;
  description: string | null;
  /** `spelling_variant` or `observed_not_in_catalogue`; absent for catalogue entries. */
  status?: string;
  /** Where this entry corrects or completes BMW's catalogue. */
  note?: string;
}

interface CatalogueFile {
  source: string;
  count: number;
  descriptors: DescriptorInfo[];
}

interface Loaded {
  list: readonly DescriptorInfo[];
  byName: ReadonlyMap<string, DescriptorInfo>;
}

let loaded: Loaded | undefined;

// Read on first use: most flows never ask, and the file is 150 kB. The build copies it beside this module in dist/.
function catalogue(): Loaded {
  if (!loaded) {
    const file = JSON.parse(
      readFileSync(join(__dirname, 'data', 'descriptor-catalogue.json'), 'utf8'),
    ) as CatalogueFile;
    loaded = { list: file.descriptors, byName: new Map(file.descriptors.map((d) => [d.name, d])) };
  }
  return loaded;
}

/** Names copied from BMW's HTML catalogue carry a zero-width space after every dot. */
function clean(name: string): string {
  return name.replace(/\u200b/g, '').trim();
}

/** The entry for one descriptor, or undefined when the catalogue does not know it. */
export function lookup(name: string): DescriptorInfo | undefined {
  return catalogue().byName.get(clean(name));
}

/** Every descriptor name, in catalogue order. */
export function names(): string[] {
  return catalogue().list.map((d) => d.name);
}

/** Every entry, in catalogue order. */
export function entries(): readonly DescriptorInfo[] {
  return catalogue().list;
}

/**
 * Entries matching every word of `text` (case-insensitive) in the name, title, group or description; best first:
 * matches in the name, then in the title, then elsewhere, each in catalogue order. Empty text matches nothing.
 */
export function search(text: string, limit = Infinity): DescriptorInfo[] {
  const words = clean(text).toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  const ranked: { entry: DescriptorInfo; rank: number; index: number }[] = [];
  catalogue().list.forEach((entry, index) => {
    const name = entry.name.toLowerCase();
    const title = entry.title.toLowerCase();
    const rest = `${entry.group ?? ''} ${entry.description ?? ''}`.toLowerCase();
    let rank = 0;
    for (const word of words) {
      if (name.includes(word)) continue;
      if (title.includes(word)) rank = Math.max(rank, 1);
      else if (rest.includes(word)) rank = 2;
      else return;
    }
    ranked.push({ entry, rank, index });
  });
  ranked.sort((a, b) => a.rank - b.rank || a.index - b.index);
  return ranked.slice(0, limit).map((r) => r.entry);
}
