/**
 * Stage 1: decode, validate, normalise and deduplicate every input record;
 * bad input goes to the dead-letter topic with its reason. Valid events go to
 * the join, re-keyed by artifact through a repartition topic.
 */
import {
  encodeStructured,
  encodeStructuredFrom,
  STRUCTURED_CONTENT_TYPE,
} from '../../cloudevents/envelope.js';
import type { AvroDecoder } from '../../cloudevents/types.js';
import { CdstreamError, isCdstreamError } from '../../errors.js';
import { isStageFailure } from '../../runtime/failure.js';
import type { Processor, ProcessorContext } from '../../runtime/processor.js';
import type { InputRecord } from '../../runtime/record.js';
import { HashedKeyTimes } from '../../runtime/stores/hashed-key-times.js';
import type { StageDefinition } from '../../runtime/topology.js';
import { EventValidator, ingestRecord, type IngestResult } from '../../validation/index.js';
import { artifactKeyHook, ingested, type IngestedEvent } from './normalise.js';

export type IngestOutcome =
  'processed' | 'dead-lettered' | 'duplicate' | 'unvalidated-passed' | 'late';

/** Headers a late record carries besides its own. */
export const LATE_HEADERS = {
  /** one sentence: the event time, the watermark it missed, where */
  reason: 'cdstream-late-reason',
  /** end of the first window the event belonged to, epoch ms */
  windowEnd: 'cdstream-late-window-end',
  /** the input partition's watermark minus the grace, RFC 3339 */
  watermark: 'cdstream-late-watermark',
  /** where the record entered: topic/partition@offset */
  source: 'cdstream-late-source',
} as const;

const LATE_OUTPUT = 'late';

export interface IngestStageOptions {
  readonly inputTopics: readonly string[];
  /** logical name of the repartition topic towards the join */
  readonly toJoin: string;
  /**
   * false: `toJoin` is a plain topic (e.g. the enriched topic of a pipeline
   * without the join), keyed by artifact all the same
   */
  readonly repartition?: boolean;
  readonly deadLetterTopic: string;
  readonly unknownTypes: 'pass' | 'dead-letter';
  /** events with a (source, id) seen within this much event time are duplicates */
  readonly dedupeHorizonMs: number;
  readonly maxRecordBytes?: number;
  /** events whose time is further ahead of the wall clock are dead-lettered; default 55 min */
  readonly maxFutureMs?: number;
  /**
   * Lateness, decided here once: an event older than its input partition's
   * watermark minus `graceMs` goes to `lateTopic`. Absent: nothing is late.
   */
  readonly lateness?: {
    readonly lateTopic: string;
    readonly graceMs: number;
    /** disorder allowed inside one input partition, ms */
    readonly disorderMs: number;
    /** how long a partition that never delivered an event may stay empty before its watermark follows the clock, ms */
    readonly idleMs: number;
    /** the end of the first window an event of this time belongs to, for the late record's header */
    readonly windowEndOf?: (eventTime: number) => number | undefined;
  };
  /** decodes schema-registry Avro values; absent: such values are dead-lettered */
  readonly avro?: AvroDecoder;
  /** one call per event read: what happened to it (the accounting behind the metrics) */
  readonly onOutcome?: (outcome: IngestOutcome, detail: { code?: string; type?: string }) => void;
}

const DEDUPE_STORE = 'ingest-dedupe';
/** under the broker's default limit of one hour, with room for clock skew */
const DEFAULT_MAX_FUTURE_MS = 55 * 60_000;
/**
 * An event up to this size goes on as the bytes it came in; a larger one is
 * encoded whole, as compact as JSON gets. Passed on as it came, with the
 * whitespace its producer wrote and ingest's extensions added, an event near
 * the input's record limit could outgrow what the internal topic takes.
 */
const PASS_ON_MAX_BYTES = 256 * 1024;

class IngestProcessor implements Processor {
  /** the dedupe's keys, held here (the store only logs changes): see `init` */
  private readonly seen = new HashedKeyTimes();

  constructor(
    private readonly options: IngestStageOptions,
    private readonly validator: EventValidator,
  ) {}

  init(context: ProcessorContext): void {
    // Every key seen within the horizon is held (one per event), so they are
    // held as hashes in typed arrays, not as a Map of strings and numbers
    // the garbage collector has to mark again and again. Changelogs written
    // before keys were hashed hold the key itself: such an entry is moved to
    // its hash (logged with the next commit).
    const dedupe = context.keyValueStore<number>(DEDUPE_STORE);
    const legacy: [string, number][] = [];
    for (const [key, seenAt] of dedupe.entries()) {
      if (HashedKeyTimes.isHash(key)) this.seen.set(key, seenAt);
      else legacy.push([key, seenAt]);
    }
    for (const [key, seenAt] of legacy) {
      const hashed = HashedKeyTimes.hashOf(key);
      dedupe.delete(key);
      if ((this.seen.timeOf(hashed) ?? -Infinity) < seenAt) {
        this.seen.set(hashed, seenAt);
        dedupe.put(hashed, seenAt);
      }
    }
    dedupe.forgetValues(() => this.seen.size);
    // Re-deliveries come close together in ingestion time, whatever their
    // event times: the horizon runs on the wall clock. (On event time, one
    // event from today would expire every entry of a backlog from last week.)
    context.schedule(
      'wall-clock',
      Math.max(1000, Math.floor(this.options.dedupeHorizonMs / 4)),
      () => {
        this.expireDedupe(context);
      },
    );
  }

  /** Synchronous unless the value is schema-registry Avro: no promise per record for JSON. */
  process(record: InputRecord, context: ProcessorContext): void | Promise<void> {
    const results = ingestRecord(
      { key: record.key, value: record.value, headers: record.headers },
      this.validator,
      {
        recordTimestamp: record.recordTimestamp,
        ...(this.options.maxRecordBytes === undefined
          ? {}
          : { maxBytes: this.options.maxRecordBytes }),
        ...(this.options.avro === undefined ? {} : { avro: this.options.avro }),
      },
    );
    if (Array.isArray(results)) {
      this.handleAll(results, record, context);
      return undefined;
    }
    return results.then((awaited) => {
      this.handleAll(awaited, record, context);
    });
  }

  private handleAll(
    results: readonly IngestResult[],
    record: InputRecord,
    context: ProcessorContext,
  ): void {
    // a registry outage is retried by the runtime, never dead-lettered
    const outage = results.find((r) => !r.ok && r.error.retriable);
    if (outage && !outage.ok) throw outage.error;
    for (const result of results) this.handle(result, record, context);
  }

  private handle(result: IngestResult, record: InputRecord, context: ProcessorContext): void {
    if (!result.ok) {
      this.deadLetter(context, result.error, result.type);
      return;
    }
    let event: IngestedEvent;
    try {
      event = ingested(result.event, record.recordTimestamp);
      this.checkNotInFuture(event, context);
    } catch (error) {
      if (!isCdstreamError(error)) throw error;
      this.deadLetter(context, error, result.event.type);
      return;
    }
    const hashed = HashedKeyTimes.hashOf(result.event.dedupeKey);
    if (this.seen.has(hashed)) {
      this.options.onOutcome?.('duplicate', { type: result.event.type });
      return;
    }
    if (this.options.lateness && event.eventTime < context.lateBefore) {
      this.remember(hashed, context);
      this.forwardLate(event, record, context);
      this.options.onOutcome?.('late', { type: result.event.type });
      return;
    }
    try {
      this.forward(event, context);
    } catch (error) {
      // too large for the join's topic (OUTPUT_TOO_LARGE): this event is
      // dead-lettered, the others of a batch record go on. Like any dead
      // letter it is not remembered (a resend is judged afresh) and its time
      // does not move the watermark.
      if (!isStageFailure(error) || error.retriable) throw error;
      context.deadLetter({ code: error.code, message: error.message, path: error.path });
      this.options.onOutcome?.('dead-lettered', { code: error.code, type: result.event.type });
      return;
    }
    this.remember(hashed, context);
    // Only a time the event itself names moves its partition's watermark: the
    // record timestamp of an event without one is when it was produced, which
    // for a backfill is "now" and would make the rest of the history late.
    if (result.event.eventTimeFromEvent !== false) context.observeEventTime(event.eventTime);
    this.options.onOutcome?.(result.event.validated ? 'processed' : 'unvalidated-passed', {
      type: result.event.type,
    });
  }

  /** From now on, within the dedupe horizon, the event is a duplicate. */
  private remember(hashed: string, context: ProcessorContext): void {
    const seenAt = context.wallClockTime();
    this.seen.add(hashed, seenAt);
    context.keyValueStore<number>(DEDUPE_STORE).put(hashed, seenAt);
  }

  private forward(event: IngestedEvent, context: ProcessorContext): void {
    const output = {
      key: event.routingKey,
      // the event as it came, with ingest's extensions appended, when it came structured
      value:
        event.read === undefined || event.read.bytes.length > PASS_ON_MAX_BYTES
          ? encodeStructured(event.envelope)
          : encodeStructuredFrom(event.read, event.envelope),
      headers: { 'content-type': STRUCTURED_CONTENT_TYPE },
      timestamp: event.eventTime,
    };
    // without the join (`repartition: false`) nobody drops the broadcast copies
    if (!event.broadcast || this.options.repartition === false) {
      context.forward('join', output);
      return;
    }
    for (let partition = 0; partition < context.partitionCount('join'); partition++) {
      context.forward('join', { ...output, partition });
    }
  }

  /** The record as it came, with headers that say which watermark it missed. */
  private forwardLate(event: IngestedEvent, record: InputRecord, context: ProcessorContext): void {
    const watermark = new Date(context.lateBefore).toISOString();
    const windowEnd = this.options.lateness?.windowEndOf?.(event.eventTime);
    context.forward(LATE_OUTPUT, {
      key: record.key,
      value: record.value,
      timestamp: event.eventTime,
      headers: {
        ...record.headers,
        [LATE_HEADERS.reason]: `event time ${new Date(event.eventTime).toISOString()} is older than ${watermark}, the watermark of ${record.topic}/${record.partition} minus the grace: its windows may already be final`,
        [LATE_HEADERS.watermark]: watermark,
        [LATE_HEADERS.source]: `${record.topic}/${record.partition}@${record.offset}`,
        ...(windowEnd === undefined ? {} : { [LATE_HEADERS.windowEnd]: String(windowEnd) }),
      },
    });
  }

  private deadLetter(context: ProcessorContext, error: CdstreamError, type?: string): void {
    context.deadLetter({ code: error.code, message: error.message, path: error.path });
    this.options.onOutcome?.('dead-lettered', { code: error.code, ...(type ? { type } : {}) });
  }

  /**
   * Brokers refuse record timestamps too far ahead of their clock
   * (message.timestamp.after.max.ms, 1 hour by default since Kafka 4.0): an
   * event from the future would block its partition, so it is dead-lettered.
   */
  private checkNotInFuture(event: IngestedEvent, context: ProcessorContext): void {
    const ahead = event.eventTime - context.wallClockTime();
    const limit = this.options.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS;
    if (ahead > limit) {
      throw new CdstreamError(
        'INVALID_TIMESTAMP',
        `the event time ${new Date(event.eventTime).toISOString()} is ${Math.round(ahead / 60_000)} min ahead of this worker's clock (at most ${Math.round(limit / 60_000)} min are accepted)`,
        { path: '/context/timestamp' },
      );
    }
  }

  private expireDedupe(context: ProcessorContext): void {
    const dedupe = context.keyValueStore<number>(DEDUPE_STORE);
    const oldest = context.wallClockTime() - this.options.dedupeHorizonMs;
    for (const hashed of this.seen.deleteBefore(oldest)) dedupe.delete(hashed);
  }
}

export function ingestStage(options: IngestStageOptions): StageDefinition {
  if (options.inputTopics.length === 0) {
    throw new CdstreamError('CONFIG_INVALID', 'the ingest stage needs at least one input topic');
  }
  const lateness = options.lateness;
  let validator: EventValidator | undefined;
  return {
    name: 'ingest',
    inputs: options.inputTopics,
    outputs: {
      join: { topic: options.toJoin, repartition: options.repartition ?? true },
      ...(lateness ? { [LATE_OUTPUT]: { topic: lateness.lateTopic } } : {}),
    },
    stores: [{ name: DEDUPE_STORE, kind: 'key-value' }],
    reportsEventTime: true,
    ...(lateness
      ? {
          eventTimeOptions: {
            graceMs: lateness.graceMs,
            disorderMs: lateness.disorderMs,
            idleMs: lateness.idleMs,
          },
        }
      : {}),
    deadLetterTopic: options.deadLetterTopic,
    // every input is read on its own; duplicates are caught within a partition
    coPartitioned: false,
    processor: () => {
      // one per stage, shared by its tasks: loading the vocabulary and
      // compiling a validator per (type, version) is the same work for every
      // partition, and the compiled code is held once
      validator ??= new EventValidator({
        unknownTypes: options.unknownTypes,
        artifactKeyOf: artifactKeyHook,
      });
      return new IngestProcessor(options, validator);
    },
  };
}
