import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runConformance } from '../../../src/validation/conformance.js';
import { cdeventsSpecDirectory } from '../cdevents-spec.js';

const SPEC_DIRECTORY = cdeventsSpecDirectory();

describe('conformance with the official CDEvents examples', () => {
  it('accepts every example of every version and refuses every mutant with the right code', async () => {
    expect(existsSync(SPEC_DIRECTORY), `${SPEC_DIRECTORY} is missing`).toBe(true);
    const report = await runConformance(SPEC_DIRECTORY);
    expect(report.failures).toEqual([]);
    // 45 event types of 0.4.1, 0.5.0 and 0.5.1, the examples of 0.2.0 and 0.3.0; bare and structured
    expect(report.examples).toBeGreaterThanOrEqual(2 * (45 * 3 + 60));
    expect(report.mutants).toBeGreaterThan(report.examples);
  }, 60_000);
});
