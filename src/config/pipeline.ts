/**
 * Turns a topology file's settings into the stages the runtime runs:
 * ingest → join → aggregate, as far as the file enables them.
 */
import type { AvroDecoder } from '../cloudevents/types.js';
import type { OutputRecord } from '../runtime/record.js';
import type { Topology, StageDefinition } from '../runtime/topology.js';
import { aggregateStage, deliveryFactRecord } from '../stages/aggregate/index.js';
import { ingestStage, type IngestOutcome } from '../stages/ingest/ingest-stage.js';
import { joinStage } from '../stages/join/index.js';
import type { TopologyConfig } from './topology-config.js';
import { CdstreamError } from '../errors.js';
import { windowsFor, type WindowSpec } from '../runtime/windows.js';

/** Logical name of the repartition topic from ingest to the join. */
export const TO_JOIN = 'by-artifact';
/** Logical name of the repartition topic from the join to the aggregate (enriched events and the join's watermarks). */
export const TO_AGGREGATE = 'by-service';

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
  if (config.aggregation.enabled && !config.enrichment.enabled) {
    throw new CdstreamError(
      'CONFIG_INVALID',
      `topology "${config.applicationId}": aggregation needs enrichment (the aggregate reads the join's internal output); enable both or neither`,
    );
  }
  const windowSpecs = resolvedWindows(config);
  const stages: StageDefinition[] = [
    ingestStage({
      inputTopics: config.inputs.topics,
      toJoin: config.enrichment.enabled ? TO_JOIN : outputs.enriched,
      repartition: config.enrichment.enabled,
      deadLetterTopic: outputs.deadLetter,
      unknownTypes: config.unknownTypes,
      dedupeHorizonMs: config.dedupeHorizonMs,
      ...(config.aggregation.enabled
        ? {
            lateness: {
              lateTopic: outputs.late,
              graceMs: config.aggregation.graceMs,
              disorderMs: config.inputs.disorderMs,
              idleMs: config.aggregation.idleTimeoutMs,
              windowEndOf: (eventTime: number) => firstWindowEnd(windowSpecs, eventTime),
            },
          }
        : {}),
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
        ...(config.aggregation.enabled
          ? { toAggregate: TO_AGGREGATE, toAggregateRecord: deliveryFactRecord }
          : {}),
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
        input: TO_AGGREGATE,
        metrics: outputs.metrics,
        incidents: outputs.incidents,
        deadLetter: outputs.deadLetter,
      },
      windows: aggregation.windows,
      graceMs: aggregation.graceMs,
      earlyUpdates:
        aggregation.earlyEmissionMs === false
          ? undefined
          : { intervalMs: aggregation.earlyEmissionMs },
      countReplicaSetRollouts: aggregation.replicaSetRollouts,
      retireAfterMs: aggregation.retireAfterMs,
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

function resolvedWindows(config: TopologyConfig): readonly WindowSpec[] {
  return config.aggregation.windows.map((window) => ({
    sizeMs: window.sizeMs,
    advanceMs: window.advanceMs,
  }));
}

/** End of the earliest-ending window that holds `eventTime`, over every window spec. */
function firstWindowEnd(specs: readonly WindowSpec[], eventTime: number): number | undefined {
  const ends = specs.flatMap((spec) => windowsFor(spec, eventTime).map((window) => window.end));
  return ends.length === 0 ? undefined : Math.min(...ends);
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
