import { describe, expect, it } from 'vitest';
import { runnerSettingsOf } from '../../../src/config/runner-settings.js';
import { parseTopology } from '../../../src/config/topology-file.js';

describe('runnerSettingsOf', () => {
  const config = parseTopology(
    [
      'applicationId: a',
      'inputs:',
      '  topics: [in]',
      'runtime:',
      '  commitInterval: 250ms',
      '  commitMaxRecords: 77',
      '  stateOnlyCommitInterval: 3s',
      '  partitionsConsumedConcurrently: 2',
      '  eventTimeAlignment: 5m',
      '',
    ].join('\n'),
  );

  it("gives the worker every setting of the topology's runtime section", () => {
    expect(runnerSettingsOf(config.runtime)).toEqual({
      commitIntervalMs: 250,
      commitMaxRecords: 77,
      stateOnlyCommitIntervalMs: 3000,
      partitionsConsumedConcurrently: 2,
      alignmentDriftMs: 300_000,
    });
  });

  it('leaves out none of them but the consumer session timeout, which the transport takes', () => {
    const mapped = Object.keys(runnerSettingsOf(config.runtime));
    const configured = Object.keys(config.runtime).filter((key) => key !== 'sessionTimeoutMs');
    expect(mapped.sort()).toEqual(configured.sort());
  });
});
