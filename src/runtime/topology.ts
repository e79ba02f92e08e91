import { CdstreamError } from '../errors.js';
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

export interface EventTimeOptions {
  /** how long after a window's end records are still accepted into it, ms */
  readonly graceMs: number;
  /** wall-clock idle time after which stream time follows the wall clock; undefined: never */
  readonly idleTimeoutMs?: number | undefined;
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

export interface Topology {
  readonly applicationId: string;
  readonly stages: readonly StageDefinition[];
}

export const changelogTopic = (applicationId: string, store: string): string =>
  `${applicationId}-${store}-changelog`;

export const repartitionTopic = (applicationId: string, name: string): string =>
  `${applicationId}-${name}-repartition`;

/** The internal store that keeps a task's stream time across restarts. */
export const clockStoreName = (stage: string): string => `${stage}-clock`;

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
      throw new CdstreamError(
        'CONFIG_INVALID',
        `stage "${stage.name}" forwarded to output "${output}", which it does not declare (declared: ${Object.keys(stage.outputs).join(', ') || 'none'})`,
      );
    }
    return definition;
  }

  storesOf(stage: StageDefinition): StoreDefinition[] {
    return [...(stage.stores ?? []), { name: clockStoreName(stage.name), kind: 'key-value' }];
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
    throw new CdstreamError('CONFIG_INVALID', `topology "${topology.applicationId}": ${message}`);
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
    for (const store of stage.stores ?? []) {
      if (storeNames.has(store.name)) fail(`two stores are named "${store.name}"`);
      storeNames.add(store.name);
    }
  }
}
