/**
 * Turns a topology file's settings into the stages the runtime runs:
 * ingest → join → aggregate, as far as the file enables them.
 */
import type { AvroDecoder } from '../cloudevents/types.js';
import type { OutputRecord } from '../runtime/record.js';
import type { Topology, StageDefinition } from '../runtime/topology.js';
import { aggregateStage } from '../stages/aggregate/index.js';
import { ingestStage, type IngestOutcome } from '../stages/ingest/ingest-stage.js';
import { joinStage } from '../stages/join/index.js';
import type { TopologyConfig } from './topology-config.js';

/** Logical name of the repartition topic from ingest to the join. */
export const TO_JOIN = 'by-artifact';

export interface PipelineHooks {
  readonly avro?: AvroDecoder;
  /** how metrics records are encoded (json-binary, avro); absent: structured JSON as the stage writes them */
  readonly metricsEncoder?: (record: OutputRecord) => OutputRecord;
  readonly onOutcome?: (
    stage: string,
    outcome: IngestOutcome,
    detail: { code?: string; type?: string },
  ) => void;
  readonly onCount?: (stage: string, name: string) => void;
}

export function buildTopology(config: TopologyConfig, hooks: PipelineHooks = {}): Topology {
  const { outputs } = config;
  const stages: StageDefinition[] = [
    ingestStage({
      inputTopics: config.inputs.topics,
      toJoin: config.enrichment.enabled ? TO_JOIN : outputs.enriched,
      repartition: config.enrichment.enabled,
      deadLetterTopic: outputs.deadLetter,
      unknownTypes: config.unknownTypes,
      dedupeHorizonMs: config.dedupeHorizonMs,
      maxRecordBytes: config.inputs.maxRecordBytes,
      ...(config.inputs.avro && hooks.avro ? { avro: hooks.avro } : {}),
      onOutcome: (outcome, detail) => hooks.onOutcome?.('ingest', outcome, detail),
    }),
  ];
  if (config.enrichment.enabled) {
    stages.push(
      joinStage({
        inputTopic: TO_JOIN,
        enrichedTopic: outputs.enriched,
        deadLetterTopic: outputs.deadLetter,
        onCount: (name) => hooks.onCount?.('join', name),
      }),
    );
  }
  if (config.aggregation.enabled) {
    const { aggregation, incidents } = config;
    const aggregate = aggregateStage({
      source: incidents.source,
      topics: {
        input: outputs.enriched,
        metrics: outputs.metrics,
        incidents: outputs.incidents,
        late: outputs.late,
        deadLetter: outputs.deadLetter,
      },
      ...(aggregation.windows ? { windows: aggregation.windows } : {}),
      graceMs: aggregation.graceMs,
      idleTimeoutMs: aggregation.idleTimeoutMs,
      earlyUpdates:
        aggregation.earlyEmissionMs === false
          ? undefined
          : { intervalMs: aggregation.earlyEmissionMs },
      countReplicaSetRollouts: aggregation.replicaSetRollouts,
      rules: {
        vulnerability: incidents.vulnerability.enabled
          ? { threshold: incidents.vulnerability.threshold }
          : false,
        failureBurst: incidents.failureBurst.enabled
          ? {
              failures: incidents.failureBurst.failures,
              windowMs: incidents.failureBurst.windowMs,
              successesToResolve: incidents.failureBurst.resolveAfterSuccesses,
            }
          : false,
      },
      onCount: (name) => hooks.onCount?.('aggregate', name),
    });
    stages.push(
      hooks.metricsEncoder ? withEncoder(aggregate, 'metrics', hooks.metricsEncoder) : aggregate,
    );
  }
  return { applicationId: config.applicationId, stages };
}

function withEncoder(
  stage: StageDefinition,
  output: string,
  encode: (record: OutputRecord) => OutputRecord,
): StageDefinition {
  const definition = stage.outputs[output];
  if (!definition) return stage;
  return { ...stage, outputs: { ...stage.outputs, [output]: { ...definition, encode } } };
}
