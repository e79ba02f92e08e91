import { describe, expect, it } from 'vitest';
import { buildTopology } from '../../../src/config/pipeline.js';
import { parseTopology } from '../../../src/config/topology-file.js';
import { externalInputs, planTopics } from '../../../src/runtime/topic-plan.js';
import { TopologyNames } from '../../../src/runtime/topology.js';

const names = new TopologyNames(
  buildTopology(parseTopology('applicationId: app\ninputs:\n  topics: [in-a, in-b]\n')),
);

describe('topic plan of the full pipeline', () => {
  it('reads only the real inputs from outside; the enriched topic is written by the join', () => {
    expect(externalInputs(names)).toEqual(['in-a', 'in-b']);
  });

  it('plans repartition, compacted changelogs and outputs with the partitions of their stage', () => {
    const plan = planTopics(
      names,
      new Map([
        ['in-a', 6],
        ['in-b', 3],
      ]),
    );
    const byName = new Map(plan.topics.map((t) => [t.name, t]));
    expect(plan.stagePartitions.get('ingest')).toBe(6); // the largest input: ingest is not co-partitioned
    expect(byName.get('app-by-artifact-repartition')).toMatchObject({
      role: 'repartition',
      partitions: 6,
    });
    expect(byName.get('app-ingest-dedupe-changelog')).toMatchObject({
      role: 'changelog',
      config: { 'cleanup.policy': 'compact' },
    });
    expect(byName.get('cdstream.enriched')).toMatchObject({ role: 'output', partitions: 6 });
    expect(byName.get('cdstream.dlq')?.role).toBe('dead-letter');
    expect(
      [...byName.keys()].filter((n) => n.endsWith('-changelog')).length,
    ).toBeGreaterThanOrEqual(5);
  });

  it('refuses to plan when an input topic is missing', () => {
    expect(() => planTopics(names, new Map([['in-a', 6]]))).toThrow(/in-b do not exist/);
  });
});
