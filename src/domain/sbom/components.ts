import { parsePurl } from '../purl/index.js';
import type { ScanComponent } from './scan-report.js';

/** The components of a report by canonical purl, and by the report's own references to them. */
export class ComponentTable {
  private readonly byPurl = new Map<string, ScanComponent>();
  private readonly byRef = new Map<string, ScanComponent>();
  skipped = 0;

  /** Adds a component; one without a valid purl is counted as skipped. */
  add(
    purl: string | undefined,
    name: string | undefined,
    version: string | undefined,
    ref?: string,
  ): void {
    const parsed = purl === undefined ? undefined : parsePurl(purl);
    if (parsed?.ok !== true) {
      this.skipped += 1;
      return;
    }
    const component = this.byPurl.get(parsed.canonical) ?? {
      purl: parsed.canonical,
      artifactKey: parsed.artifactKey,
      name: name ?? null,
      version: version ?? null,
    };
    this.byPurl.set(component.purl, component);
    if (ref !== undefined) this.byRef.set(ref, component);
  }

  /**
   * A component by reference: Grype's bom-refs are purls with a `package-id`
   * qualifier, so the table is asked first; a ref that is not in the table
   * but is a purl still resolves.
   */
  resolve(ref: string): ScanComponent | undefined {
    const known = this.byRef.get(ref);
    if (known !== undefined) return known;
    const parsed = parsePurl(ref);
    if (!parsed.ok) return undefined;
    return (
      this.byPurl.get(parsed.canonical) ?? {
        purl: parsed.canonical,
        artifactKey: parsed.artifactKey,
        name: parsed.parts.name,
        version: parsed.parts.version,
      }
    );
  }

  all(): ScanComponent[] {
    return [...this.byPurl.values()];
  }
}
