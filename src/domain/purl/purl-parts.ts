/** The decoded components of a package-url, as the purl specification names them. */
export interface PurlParts {
  readonly type: string;
  readonly namespace: string | null;
  readonly name: string;
  readonly version: string | null;
  /** Keys lower-case, empty values dropped. */
  readonly qualifiers: Readonly<Record<string, string>>;
  readonly subpath: string | null;
}
