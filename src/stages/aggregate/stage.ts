import type { StageDefinition } from '../../runtime/topology.js';
import { EventValidator } from '../../validation/index.js';
import { OUTPUTS } from './emit.js';
import { resolveOptions, type AggregateStageOptions } from './options.js';
import { AggregateProcessor } from './processor.js';
import { STORES } from './stores.js';
import { cloudEventOrderKey } from '../order-key.js';
import { prepareDeliveryFact } from './prepare.js';

/**
 * Stage 3, aggregate: DORA keys per service+environment on event-time
 * windows (outputs `metrics`) and derived incidents (`incidents`). Late
 * records never get here: ingest decides lateness, once.
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
    },
    stores: Object.values(STORES).map((name) => ({ name, kind: 'key-value' as const })),
    // reading the join's internal topic: deployments, rollbacks and incidents
    // reach the processor in event-time order, whatever order they arrived in
    ordering: 'event-time',
    orderKey: cloudEventOrderKey,
    // held and changelogged until the watermark passes it: the fact, not the event
    prepare: (record) => prepareDeliveryFact(record, resolved.count),
    // reading a public topic on its own (tests, custom topologies): time enters here
    eventTimeOptions: { graceMs: resolved.graceMs },
    deadLetterTopic: resolved.topics.deadLetter,
    processor: () => new AggregateProcessor(resolved, validator),
  };
}
