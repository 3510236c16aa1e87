/**
 * Which descriptors a node passes on: exact names, or prefixes ending in `*` (`vehicle.cabin.door.*`). An empty list
 * passes everything.
 */
export class DescriptorFilter {
  private readonly exact = new Set<string>();
  private readonly prefixes: string[] = [];

  constructor(patterns: string[]) {
    for (const raw of patterns) {
      const pattern = raw.trim();
      if (!pattern) continue;
      if (pattern.endsWith('*')) this.prefixes.push(pattern.slice(0, -1));
      else this.exact.add(pattern);
    }
  }

  get passesAll(): boolean {
    return this.exact.size === 0 && this.prefixes.length === 0;
  }

  passes(descriptor: string): boolean {
    return this.passesAll || this.exact.has(descriptor) || this.prefixes.some((p) => descriptor.startsWith(p));
  }
}

/** The editor stores the list as text, one pattern per line or comma-separated. */
export function parsePatterns(text: unknown): string[] {
  if (Array.isArray(text)) return text.map(String);
  return (typeof text === 'string' ? text : '')
    .split(/[\n,]/)
    .map((p) => p.trim())
    .filter(Boolean);
}
