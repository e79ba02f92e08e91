import { hash } from 'node:crypto';

/**
 * A UUID-shaped (version 8, RFC 9562 "custom") identifier derived from its
 * parts by SHA-256, so the same rule, key and trigger always give the same
 * id and a re-emitted event is recognisably the same event.
 */
export function deterministicUuid(...parts: readonly (string | number)[]): string {
  // the one-shot hash: no Hash object per id (one id per metric record emitted)
  const hex = hash('sha256', JSON.stringify(parts), 'hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `8${hex.slice(13, 16)}`,
    `${variant}${hex.slice(17, 20)}`,
    hex.slice(20, 32),
  ].join('-');
}
