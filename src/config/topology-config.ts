/** A topology file's settings, defaults filled in, durations in ms. */
export interface TopologyConfig {
  readonly applicationId: string;
  readonly inputs: {
    readonly topics: readonly string[];
    readonly partitions: number;
    readonly maxRecordBytes: number;
    readonly avro: boolean;
    /** disorder allowed inside one input partition: its watermark trails its largest event time by this */
    readonly disorderMs: number;
  };
  readonly unknownTypes: 'pass' | 'dead-letter';
  readonly dedupeHorizonMs: number;
  readonly enrichment: { readonly enabled: boolean };
  readonly aggregation: {
    readonly enabled: boolean;
    readonly windows: readonly {
      readonly name: string;
      readonly sizeMs: number;
      readonly advanceMs: number;
    }[];
    readonly graceMs: number;
    /** how long an input partition that never delivered an event may stay empty before its watermark follows the clock */
    readonly idleTimeoutMs: number;
    /** false, or the event-time interval between early updates */
    readonly earlyEmissionMs: number | false;
    readonly replicaSetRollouts: boolean;
    /** false, or how long a service+environment may go without a fact before its windows stop */
    readonly retireAfterMs: number | false;
  };
  readonly incidents: {
    readonly source: string;
    readonly vulnerability: {
      readonly enabled: boolean;
      readonly threshold: 'critical' | 'high' | 'medium' | 'low';
    };
    readonly failureBurst: {
      readonly enabled: boolean;
      readonly failures: number;
      readonly windowMs: number;
      readonly resolveAfterSuccesses: number;
    };
  };
  readonly outputs: {
    readonly deadLetter: string;
    readonly enriched: string;
    readonly metrics: string;
    readonly incidents: string;
    readonly late: string;
    readonly metricsFormat: 'json' | 'json-binary' | 'avro';
  };
  readonly runtime: {
    readonly commitIntervalMs: number;
    readonly commitMaxRecords: number;
    /** how often a task commits whose transaction holds only state changes and offsets */
    readonly stateOnlyCommitIntervalMs: number;
    readonly partitionsConsumedConcurrently: number;
    readonly sessionTimeoutMs: number;
    /** event time a partition may run ahead of its stage's slowest one before it is paused; Infinity: off */
    readonly alignmentDriftMs: number;
  };
}
