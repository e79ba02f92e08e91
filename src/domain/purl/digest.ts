/** Hex lengths of the digest algorithms the OCI image specification registers. */
const HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha512: 128 };

const DIGEST = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([0-9a-f]+)$/;

/**
 * Lower-cases and checks an `algorithm:hex` digest. `strict` demands the full
 * hex length of a registered algorithm (image references); purls are looser
 * because the purl specification's own examples use abbreviated digests.
 */
export function normaliseDigest(value: string, strict: boolean): string | undefined {
  const digest = value.trim().toLowerCase();
  const match = DIGEST.exec(digest);
  if (match === null) return undefined;
  const [, algorithm = '', hex = ''] = match;
  const expected = HEX_LENGTH[algorithm];
  if (strict && (expected === undefined ? hex.length < 32 : hex.length !== expected)) {
    return undefined;
  }
  return digest;
}

/** A bare 64-hex string is a sha256 digest, as docker reads it (old CDEvents examples use it). */
export function bareSha256(value: string): string | undefined {
  const hex = value.trim().toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? `sha256:${hex}` : undefined;
}
