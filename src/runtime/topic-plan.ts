/**
 * Which topics a topology needs and how: partitions per stage, internal
 * repartition and changelog topics, outputs. Pure: the worker and
 * `cdstream topics` both apply it.
 */
import { TopologyError } from './failure.js';
import { TopologyNames, type StageDefinition } from './topology.js';
import type { TopicSpec } from './transport.js';

export type TopicRole = 'input' | 'repartition' | 'changelog' | 'output' | 'dead-letter';

export interface PlannedTopic extends TopicSpec {
  readonly role: TopicRole;
}

export interface TopicPlan {
  /** topics the topology reads but does not create */
  readonly inputs: readonly string[];
  /** partitions of each stage's tasks */
  readonly stagePartitions: ReadonlyMap<string, number>;
  /** internal and output topics to create when missing */
  readonly topics: readonly PlannedTopic[];
}

const COMPACTED = { 'cleanup.policy': 'compact' };

/** Input topics of the topology that no stage writes. */
export function externalInputs(names: TopologyNames): string[] {
  const inputs = names.topology.stages.flatMap((stage) =>
    stage.inputs.filter((input) => writerOf(names, input) === undefined),
  );
  return [...new Set(inputs)];
}

/** The stage that writes a topic (by logical or real name), if one does. */
function writerOf(names: TopologyNames, input: string): StageDefinition | undefined {
  const topic = names.topic(input);
  return names.topology.stages.find((stage) =>
    Object.values(stage.outputs).some((output) => names.topic(output.topic) === topic),
  );
}

/** @param inputCounts partition counts of the external inputs */
export function planTopics(
  names: TopologyNames,
  inputCounts: ReadonlyMap<string, number>,
): TopicPlan {
  const stages = names.topology.stages;
  const inputs = externalInputs(names);
  const missing = inputs.filter((topic) => !inputCounts.has(topic));
  if (missing.length > 0) {
    throw new TopologyError(
      'CONFIG_INVALID',
      `input topic(s) ${missing.join(', ')} do not exist; create them first (cdstream topics create)`,
    );
  }

  const stagePartitions = new Map<string, number>();
  // a stage reading another stage's repartition output needs that stage's count first
  for (let pass = 0; pass < stages.length && stagePartitions.size < stages.length; pass++) {
    for (const stage of stages) {
      if (stagePartitions.has(stage.name)) continue;
      const counts = stage.inputs.map((input) => {
        const writer = writerOf(names, input);
        return writer ? stagePartitions.get(writer.name) : inputCounts.get(input);
      });
      if (counts.some((count) => count === undefined)) continue;
      const known = counts as number[];
      if (stage.coPartitioned ?? true) checkCoPartitioned(names, stage, known);
      stagePartitions.set(stage.name, Math.max(...known));
    }
  }

  const planned = new Map<string, PlannedTopic>();
  const add = (topic: PlannedTopic) => {
    if (!inputs.includes(topic.name) && !planned.has(topic.name)) planned.set(topic.name, topic);
  };
  for (const stage of stages) {
    const partitions = stagePartitions.get(stage.name);
    if (partitions === undefined) {
      throw new TopologyError(
        'CONFIG_INVALID',
        `stage "${stage.name}" reads a repartition topic no stage writes`,
      );
    }
    for (const changelog of names.changelogTopics(stage)) {
      add({ name: changelog, partitions, config: COMPACTED, role: 'changelog' });
    }
    for (const output of Object.values(stage.outputs)) {
      add({
        name: names.topic(output.topic),
        partitions,
        role: output.repartition ? 'repartition' : 'output',
      });
    }
    if (stage.deadLetterTopic)
      add({ name: stage.deadLetterTopic, partitions, role: 'dead-letter' });
  }
  return { inputs, stagePartitions, topics: [...planned.values()] };
}

/** Changelogs must have as many partitions as their stage has tasks, or state cannot follow them. */
export function checkChangelogs(
  names: TopologyNames,
  plan: TopicPlan,
  actual: ReadonlyMap<string, number>,
): void {
  for (const stage of names.topology.stages) {
    const expected = plan.stagePartitions.get(stage.name);
    for (const changelog of names.changelogTopics(stage)) {
      if (actual.get(changelog) !== expected) {
        throw new TopologyError(
          'COPARTITIONING',
          `changelog ${changelog} has ${actual.get(changelog)} partitions but stage "${stage.name}" runs ${expected} tasks; state cannot follow its partitions (recreate the changelog or the inputs)`,
        );
      }
    }
  }
}

function checkCoPartitioned(
  names: TopologyNames,
  stage: StageDefinition,
  counts: readonly number[],
): void {
  if (new Set(counts).size <= 1) return;
  const detail = stage.inputs.map((input, i) => `${names.topic(input)}=${counts[i]}`).join(', ');
  throw new TopologyError(
    'COPARTITIONING',
    `stage "${stage.name}" reads topics that must be co-partitioned but have different partition counts (${detail})`,
  );
}
