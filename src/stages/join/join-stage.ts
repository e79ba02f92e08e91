/**
 * Stage 2, the join: reads ingest's repartition topic (keyed by artifact),
 * keeps where each artifact runs and what is known about it, and writes every
 * event to `enriched` with service, environment, findings and lead-time start
 * as CloudEvents extensions, keyed by service and environment when known.
 */
import {
  decodeStructuredRead,
  encodeStructured,
  encodeStructuredFrom,
  STRUCTURED_CONTENT_TYPE,
  type CloudEventEnvelope,
  type StructuredRead,
} from '../../cloudevents/envelope.js';
import { isCdstreamError } from '../../errors.js';
import {
  joinEvent,
  JoinTables,
  type ArtifactFacts,
  type ChangeEntry,
  type Placement,
} from '../../domain/join/index.js';
import type { Processor, ProcessorContext } from '../../runtime/processor.js';
import type { InputRecord } from '../../runtime/record.js';
import type { StageDefinition } from '../../runtime/topology.js';
import { CHANGE_FACT, FACT_HEADER, ORIGIN_FACT } from '../internal-headers.js';

export interface JoinStageOptions {
  /** ingest's repartition output, by its logical name (e.g. `by-artifact`) */
  readonly inputTopic: string;
  readonly enrichedTopic: string;
  /**
   * logical name of the internal repartition topic towards the aggregate
   * (e.g. `by-service`): the enriched events again, with the join's
   * watermark, which a public topic does not carry. Absent: none.
   */
  readonly toAggregate?: string;
  /**
   * What goes to `toAggregate` for an enriched event, or an origin or change
   * fact (`fact`: the cdstream-fact header it would carry): a record
   * of what the aggregate needs of it, or undefined when it needs nothing.
   * Default: the enriched event itself.
   */
  readonly toAggregateRecord?: ToAggregateRecord;
  readonly deadLetterTopic: string;
  /** stage name and store-name prefix; default `join` */
  readonly name?: string;
  /** counters: event_enriched, event_passthrough, incident_unenriched, broadcast_copy_skipped, dead_lettered */
  readonly onCount?: (name: string) => void;
}

export type ToAggregateRecord = (
  event: CloudEventEnvelope,
  eventTime: number,
  fact: string | undefined,
) => { value: Buffer | string; headers: Record<string, string> } | undefined;

export interface JoinStoreNames {
  readonly placements: string;
  readonly facts: string;
  readonly clusterEnvironments: string;
  readonly changes: string;
}

export const joinStoreNames = (stage = 'join'): JoinStoreNames => ({
  placements: `${stage}-artifact-services`,
  facts: `${stage}-artifact-facts`,
  clusterEnvironments: `${stage}-cluster-environments`,
  changes: `${stage}-changes`,
});

const ENRICHED = 'enriched';
const TO_AGGREGATE = 'aggregate';

class JoinProcessor implements Processor {
  private tables: JoinTables | undefined;

  constructor(
    private readonly stores: JoinStoreNames,
    private readonly count: (name: string) => void,
    private readonly toAggregate: ToAggregateRecord | undefined,
  ) {}

  init(context: ProcessorContext): void {
    this.tables = new JoinTables({
      placements: context.keyValueStore<Placement[]>(this.stores.placements),
      facts: context.keyValueStore<ArtifactFacts>(this.stores.facts),
      clusterEnvironments: context.keyValueStore<string>(this.stores.clusterEnvironments),
      changes: context.keyValueStore<ChangeEntry>(this.stores.changes),
    });
  }

  process(record: InputRecord, context: ProcessorContext): void {
    const read = this.decode(record, context);
    if (read === undefined || this.tables === undefined) return;
    const { event } = read;
    const outcome = joinEvent(
      { event, eventTime: record.timestamp, forwardsBroadcasts: record.partition === 0 },
      this.tables,
    );
    for (const output of outcome.outputs) {
      const value = encodeStructuredFrom(read, output.event);
      context.forward(ENRICHED, {
        key: output.key,
        value,
        headers: { 'content-type': STRUCTURED_CONTENT_TYPE },
        timestamp: record.timestamp,
      });
      this.forwardToAggregate(context, output.key, output.event, record.timestamp, undefined);
    }
    // the join works in arrival order: a build that comes after the
    // deployment it preceded tells the aggregate (which works in event-time
    // order) where lead time starts, for every place the artifact ran; so
    // does a change learned after its artifact was packaged
    for (const fact of outcome.originFacts ?? []) {
      this.forwardToAggregate(context, fact.key, fact.event, record.timestamp, ORIGIN_FACT);
    }
    for (const fact of outcome.changeFacts ?? []) {
      this.forwardToAggregate(context, fact.key, fact.event, fact.time, CHANGE_FACT);
    }
    for (const name of outcome.counts) this.count(name);
  }

  private forwardToAggregate(
    context: ProcessorContext,
    key: string,
    event: CloudEventEnvelope,
    eventTime: number,
    fact: string | undefined,
  ): void {
    if (!this.toAggregate) return;
    const record = this.toAggregate(event, eventTime, fact);
    if (record === undefined) {
      this.count('aggregate_copy_skipped');
      return;
    }
    context.forward(TO_AGGREGATE, {
      key,
      value: record.value,
      headers: record.headers,
      timestamp: eventTime,
    });
  }

  /** Ingest wrote only CloudEvents here; anything else is dead-lettered, never a crash. */
  private decode(record: InputRecord, context: ProcessorContext): StructuredRead | undefined {
    try {
      return decodeStructuredRead(record.value);
    } catch (error) {
      if (!isCdstreamError(error)) throw error;
      context.deadLetter({ code: error.code, message: error.message, path: error.path });
      this.count('dead_lettered');
      return undefined;
    }
  }
}

/** The enriched event itself, as it goes to `enriched` (facts marked as such). */
const enrichedEventRecord: ToAggregateRecord = (event, _eventTime, fact) => ({
  value: encodeStructured(event),
  headers: {
    'content-type': STRUCTURED_CONTENT_TYPE,
    ...(fact === undefined ? {} : { [FACT_HEADER]: fact }),
  },
});

export function joinStage(options: JoinStageOptions): StageDefinition {
  const name = options.name ?? 'join';
  const stores = joinStoreNames(name);
  const count = options.onCount ?? (() => undefined);
  return {
    name,
    inputs: [options.inputTopic],
    outputs: {
      [ENRICHED]: { topic: options.enrichedTopic },
      ...(options.toAggregate
        ? { [TO_AGGREGATE]: { topic: options.toAggregate, repartition: true } }
        : {}),
    },
    stores: [
      { name: stores.placements, kind: 'key-value' },
      { name: stores.facts, kind: 'key-value' },
      { name: stores.clusterEnvironments, kind: 'key-value' },
      { name: stores.changes, kind: 'key-value' },
    ],
    deadLetterTopic: options.deadLetterTopic,
    processor: () =>
      new JoinProcessor(
        stores,
        count,
        options.toAggregate === undefined
          ? undefined
          : (options.toAggregateRecord ?? enrichedEventRecord),
      ),
  };
}
