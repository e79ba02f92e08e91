import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; under nodenext its default import is the plugin itself.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** One ajv per process: compiled validators are cached by the callers, keyed by event type. */
export function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({
    strict: true,
    strictRequired: false,
    allErrors: false,
    allowUnionTypes: true,
  });
  addFormats(ajv, ['date-time', 'uri', 'uri-reference']);
  return ajv;
}
