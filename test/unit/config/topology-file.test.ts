import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildTopology } from '../../../src/config/pipeline.js';
import {
  loadTopologyFile,
  parseTopology,
  TopologyFileError,
} from '../../../src/config/topology-file.js';

const problemsOf = (text: string) => {
  try {
    parseTopology(text, 'broken.yaml');
  } catch (error) {
    if (error instanceof TopologyFileError) return error;
    throw error;
  }
  throw new Error('expected the topology to be refused');
};

describe('topology files', () => {
  it.each(readdirSync('topologies').filter((f) => f.endsWith('.yaml')))(
    'topologies/%s loads and builds a runnable topology',
    (file) => {
      const config = loadTopologyFile(`topologies/${file}`);
      const topology = buildTopology(config);
      expect(topology.applicationId).toBe(config.applicationId);
      expect(topology.stages[0]?.name).toBe('ingest');
    },
  );

  it('fills defaults and turns durations into milliseconds', () => {
    const config = parseTopology(
      'applicationId: a\ninputs:\n  topics: [in]\ndedupe:\n  horizon: 90m\n',
    );
    expect(config.dedupeHorizonMs).toBe(5_400_000);
    expect(config.outputs.deadLetter).toBe('cdstream.dlq');
    expect(config.runtime.commitIntervalMs).toBe(100);
    expect(config.runtime.stateOnlyCommitIntervalMs).toBe(1000);
    expect(config.runtime.alignmentDriftMs).toBe(15 * 60_000);
    expect(buildTopology(config).stages.map((s) => s.name)).toEqual([
      'ingest',
      'join',
      'aggregate',
    ]);
  });

  it('takes the state-only commit interval as a duration, and refuses what is not one', () => {
    const base = 'applicationId: a\ninputs:\n  topics: [in]\nruntime:\n  stateOnlyCommitInterval: ';
    expect(parseTopology(`${base}250ms\n`).runtime.stateOnlyCommitIntervalMs).toBe(250);
    expect(problemsOf(`${base}true\n`).problems[0]?.key).toBe('runtime.stateOnlyCommitInterval');
  });

  it('takes event-time alignment as a duration, or false for never', () => {
    const base = 'applicationId: a\ninputs:\n  topics: [in]\nruntime:\n  eventTimeAlignment: ';
    expect(parseTopology(`${base}2h\n`).runtime.alignmentDriftMs).toBe(7_200_000);
    expect(parseTopology(`${base}false\n`).runtime.alignmentDriftMs).toBe(Number.POSITIVE_INFINITY);
    expect(problemsOf(`${base}true\n`).problems[0]?.key).toBe('runtime.eventTimeAlignment');
  });

  it('names the file, line, column and key of an unknown key, and lists the expected ones', () => {
    const error = problemsOf(
      'applicationId: a\ninputs:\n  topics: [in]\naggregation:\n  windw: 1d\n',
    );
    expect(error.message).toMatch(
      /^broken\.yaml:5:3: aggregation\.windw: unknown key "windw"; expected one of: .*windows/,
    );
    expect(error.code).toBe('CONFIG_INVALID');
  });

  it('says what a value should have been, at the value', () => {
    const error = problemsOf(
      'applicationId: a\ninputs:\n  topics: [in]\ndedupe:\n  horizon: soon\n',
    );
    expect(error.problems[0]).toMatchObject({ line: 5, column: 12, key: 'dedupe.horizon' });
    expect(error.message).toMatch(/duration/);
    const enumError = problemsOf('applicationId: a\ninputs:\n  topics: [in]\nunknownTypes: drop\n');
    expect(enumError.message).toMatch(
      /broken\.yaml:4:15: unknownTypes: must be one of "pass", "dead-letter"/,
    );
  });

  it('reports a missing required key and YAML syntax errors with their position', () => {
    expect(problemsOf('applicationId: a\n').message).toMatch(
      /broken\.yaml:1:1: missing required key "inputs"/,
    );
    expect(problemsOf('applicationId: a\ninputs: [\n').message).toMatch(/^broken\.yaml:\d+:\d+: /);
  });
});
