import { CdstreamError } from '../../errors.js';
import type { ParseLimits } from './limits.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Turns report bytes or text into text, refusing anything over the size
 * limit before decoding it. The string check needs no encoding pass: a
 * string longer than maxBytes cannot be shorter in UTF-8.
 */
export function reportText(data: string | Uint8Array, limits: ParseLimits): string {
  const tooLarge = (size: number): CdstreamError =>
    new CdstreamError(
      'SBOM_HOSTILE',
      `the report is ${size} bytes, over the limit of ${limits.maxBytes}`,
    );
  if (typeof data === 'string') {
    if (data.length > limits.maxBytes) throw tooLarge(data.length);
    const bytes = Buffer.byteLength(data, 'utf8');
    if (bytes > limits.maxBytes) throw tooLarge(bytes);
    return data.replace(/^\uFEFF/, '');
  }
  if (data.byteLength > limits.maxBytes) throw tooLarge(data.byteLength);
  try {
    return utf8.decode(data);
  } catch (error) {
    throw new CdstreamError('SBOM_MALFORMED', 'the report is not valid UTF-8', { cause: error });
  }
}
