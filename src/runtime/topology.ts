import { TopologyError } from './failure.js';
import type { Processor } from './processor.js';
import type { InputRecord, OutputRecord } from './record.js';

export type StoreKind = 'key-value' | 'window';

export interface StoreDefinition {
  readonly name: string;
  readonly kind: StoreKind;
}

export interface OutputDefinition {
  /** the topic's name; for internal topics, the logical name the runtime prefixes */
  readonly topic: string;
  /** an internal repartition topic `<appId>-<topic>-repartition`, created by the runtime */
  readonly repartition?: boolean;
  /** rewrites each record on its way out (e.g. an encoding chosen by the topology); pure and synchronous */
  readonly encode?: (record: OutputRecord) => OutputRecord;
}

/**
 * Where time enters (a stage reading external topics): how a partition's
 * watermark trails its largest event time, and how far behind it a record
 * may still be. Stages reading internal topics take their time from upstream.
 */
export interface EventTimeOptions {
  /** records older than their input partition's watermark minus this are late, ms */
  readonly graceMs: number;
  /** disorder allowed inside one input partition: the watermark trails the largest event time by it, ms */
  readonly disorderMs?: number | undefined;
  /**
   * how long an input partition that never delivered an event may stay empty
   * (caught up) before its watermark follows the clock, ms; default 0
   */
  readonly idleMs?: number | undefined;
}

export interface StageDefinition {
  readonly name: string;
  /** input topics; several inputs must be co-partitioned. A repartition output of another stage is named by its logical name. */
  readonly inputs: readonly string[];
  readonly outputs: Readonly<Record<string, OutputDefinition>>;
  readonly stores?: readonly StoreDefinition[];
  readonly processor: () => Processor;
  /** event time of a raw record, ms; default: the Kafka record timestamp */
  readonly eventTime?: (record: Omit<InputRecord, 'timestamp'>) => number | undefined;
  readonly eventTimeOptions?: EventTimeOptions;
  /**
   * `event-time`: records of internal inputs are held until the watermark
   * passes them and reach the processor in event-time order (ties by
   * `orderKey`, then by position), whatever order they arrived in.
   * `arrival` (default): as they come.
   */
  readonly ordering?: 'arrival' | 'event-time';
  /** tie-break of records with equal event times, e.g. the event's source and id */
  readonly orderKey?: (record: InputRecord) => string;
  /**
   * Reads a record once, when it arrives, into what the processor needs of
   * it (JSON-serialisable, handed over as `record.prepared`), and its order
   * key. With `event-time` ordering only this is held and changelogged, not
   * the record's bytes. Undefined: the stage has nothing to do with the record
   * (it counts it); the record is consumed without reaching the processor.
   * A throw dead-letters the record as any processing failure does.
   */
  readonly prepare?: (record: InputRecord) => PreparedRecord | undefined;
  /**
   * The processor says each record's event time with context.observeEventTime
   * (a source stage that must decode a record to know it); otherwise the
   * runtime takes the event time of every record it hands over.
   */
  readonly reportsEventTime?: boolean;
  /** where records go when the processor throws a non-retriable error */
  readonly deadLetterTopic?: string;
  /**
   * Whether partition p of every input must hold the same keys (a join). True
   * by default: start-up refuses inputs with different partition counts. A
   * stage whose state does not span inputs may set false; it then runs as
   * many tasks as its largest input has partitions.
   */
  readonly coPartitioned?: boolean;
}

export interface PreparedRecord {
  readonly prepared: unknown;
  /** replaces `orderKey` for this record */
  readonly orderKey: string;
}

export interface Topology {
  readonly applicationId: string;
  readonly stages: readonly StageDefinition[];
}

export const changelogTopic = (applicationId: string, store: string): string =>
  `${applicationId}-${store}-changelog`;

export const repartitionTopic = (applicationId: string, name: string): string =>
  `${applicationId}-${name}-repartition`;

/** The internal store that keeps a task's watermarks across restarts. */
export const clockStoreName = (stage: string): string => `${stage}-clock`;

/** The internal store of records held for event-time order. */
export const bufferStoreName = (stage: string): string => `${stage}-buffer`;

/** Resolves logical names to the topic names on the broker. */
export class TopologyNames {
  private readonly repartitioned = new Set<string>();

  constructor(readonly topology: Topology) {
    for (const stage of topology.stages) {
      for (const output of Object.values(stage.outputs)) {
        if (output.repartition) this.repartitioned.add(output.topic);
      }
    }
  }

  topic(logicalName: string): string {
    return this.repartitioned.has(logicalName)
      ? repartitionTopic(this.topology.applicationId, logicalName)
      : logicalName;
  }

  inputTopics(stage: StageDefinition): string[] {
    return stage.inputs.map((input) => this.topic(input));
  }

  outputTopic(stage: StageDefinition, output: string): string {
    return this.topic(this.output(stage, output).topic);
  }

  output(stage: StageDefinition, output: string): OutputDefinition {
    const definition = stage.outputs[output];
    if (!definition) {
      throw new TopologyError(
        'CONFIG_INVALID',
        `stage "${stage.name}" forwarded to output "${output}", which it does not declare (declared: ${Object.keys(stage.outputs).join(', ') || 'none'})`,
      );
    }
    return definition;
  }

  storesOf(stage: StageDefinition): StoreDefinition[] {
    const internal: StoreDefinition[] = [{ name: clockStoreName(stage.name), kind: 'key-value' }];
    if (stage.ordering === 'event-time' && this.readsInternalTopics(stage)) {
      internal.push({ name: bufferStoreName(stage.name), kind: 'key-value' });
    }
    return [...(stage.stores ?? []), ...internal];
  }

  /** True when the stage reads what other stages write: its time comes from their watermarks. */
  readsInternalTopics(stage: StageDefinition): boolean {
    return stage.inputs.some((input) => this.isRepartitionTopic(input));
  }

  /** Stages that write an internal (repartition) topic; a public topic has none here. */
  writersOf(input: string): StageDefinition[] {
    if (!this.isRepartitionTopic(input)) return [];
    return this.topology.stages.filter((stage) =>
      Object.values(stage.outputs).some((output) => output.repartition && output.topic === input),
    );
  }

  /**
   * Every task whose watermark a task of `stage` waits for: all tasks of
   * every stage writing one of its inputs (`<stage>-<partition>`).
   */
  upstreamTasks(stage: StageDefinition, partitionsOf: (topic: string) => number): string[] {
    const writers = new Set(stage.inputs.flatMap((input) => this.writersOf(input)));
    return [...writers].flatMap((writer) => {
      const tasks = Math.max(...this.inputTopics(writer).map((topic) => partitionsOf(topic)));
      return Array.from({ length: tasks }, (_, partition) => `${writer.name}-${partition}`);
    });
  }

  /** Internal topics the stage writes (repartition outputs), which carry its watermark. */
  internalOutputTopics(stage: StageDefinition): string[] {
    return Object.values(stage.outputs)
      .filter((output) => output.repartition)
      .map((output) => this.topic(output.topic));
  }

  changelogTopics(stage: StageDefinition): string[] {
    return this.storesOf(stage).map((store) =>
      changelogTopic(this.topology.applicationId, store.name),
    );
  }

  isRepartitionTopic(logicalName: string): boolean {
    return this.repartitioned.has(logicalName);
  }
}

/** Checks names are unique and every internal input is produced by some stage. */
export function validateTopology(topology: Topology): void {
  const fail = (message: string): never => {
    throw new TopologyError('CONFIG_INVALID', `topology "${topology.applicationId}": ${message}`);
  };
  if (!/^[A-Za-z0-9._-]+$/.test(topology.applicationId)) {
    fail('applicationId may hold only letters, digits, ".", "_" and "-"');
  }
  const stageNames = new Set<string>();
  const storeNames = new Set<string>();
  for (const stage of topology.stages) {
    if (stageNames.has(stage.name)) fail(`two stages are named "${stage.name}"`);
    stageNames.add(stage.name);
    if (stage.inputs.length === 0) fail(`stage "${stage.name}" has no input topic`);
    const internal = stage.inputs.filter((input) =>
      topology.stages.some((writer) =>
        Object.values(writer.outputs).some(
          (output) => output.repartition && output.topic === input,
        ),
      ),
    );
    if (internal.length > 0 && internal.length < stage.inputs.length) {
      fail(
        `stage "${stage.name}" reads internal and external topics at once; its event time must come from one kind`,
      );
    }
    for (const store of stage.stores ?? []) {
      if (storeNames.has(store.name)) fail(`two stores are named "${store.name}"`);
      storeNames.add(store.name);
    }
  }
}
