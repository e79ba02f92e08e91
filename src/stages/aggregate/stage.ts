import type { StageDefinition } from '../../runtime/topology.js';
import { EventValidator } from '../../validation/index.js';
import { OUTPUTS } from './emit.js';
import { resolveOptions, type AggregateStageOptions } from './options.js';
import { AggregateProcessor } from './processor.js';
import { STORES } from './stores.js';

/**
 * Stage 3, aggregate: DORA keys per service+environment on event-time
 * windows (outputs `metrics`), derived incidents (`incidents`), and records
 * too late for a window (`late`, with a header saying why).
 */
export function aggregateStage(options: AggregateStageOptions): StageDefinition {
  const resolved = resolveOptions(options);
  const validator = new EventValidator();
  return {
    name: resolved.name,
    inputs: [resolved.topics.input],
    outputs: {
      [OUTPUTS.metrics]: { topic: resolved.topics.metrics },
      [OUTPUTS.incidents]: { topic: resolved.topics.incidents },
      [OUTPUTS.late]: { topic: resolved.topics.late },
    },
    stores: Object.values(STORES).map((name) => ({ name, kind: 'key-value' as const })),
    eventTimeOptions: { graceMs: resolved.graceMs, idleTimeoutMs: resolved.idleTimeoutMs },
    deadLetterTopic: resolved.topics.deadLetter,
    processor: () => new AggregateProcessor(resolved, validator),
  };
}
