import type { TopologyConfig } from './topology-config.js';

type Duration = string | number;

/** The file as the schema admits it: everything optional but the application id and inputs. */
export interface TopologyFile {
  applicationId: string;
  inputs: {
    topics: string[];
    partitions?: number;
    maxRecordBytes?: number;
    avro?: boolean;
    disorder?: Duration;
  };
  unknownTypes?: 'pass' | 'dead-letter';
  dedupe?: { horizon?: Duration };
  enrichment?: { enabled?: boolean };
  aggregation?: {
    enabled?: boolean;
    windows?: { name: string; size: Duration; advance?: Duration }[];
    grace?: Duration;
    idleTimeout?: Duration;
    earlyEmission?: false | Duration;
    replicaSetRollouts?: boolean;
    retireAfter?: false | Duration;
  };
  incidents?: {
    source?: string;
    vulnerability?: { enabled?: boolean; threshold?: 'critical' | 'high' | 'medium' | 'low' };
    failureBurst?: {
      enabled?: boolean;
      failures?: number;
      window?: Duration;
      resolveAfterSuccesses?: number;
    };
  };
  outputs?: {
    deadLetter?: string;
    enriched?: string;
    metrics?: string;
    incidents?: string;
    late?: string;
    metricsFormat?: 'json' | 'json-binary' | 'avro';
  };
  runtime?: {
    sessionTimeout?: Duration;
    commitInterval?: Duration;
    commitMaxRecords?: number;
    stateOnlyCommitInterval?: Duration;
    partitionsConsumedConcurrently?: number;
    eventTimeAlignment?: Duration | false;
  };
}

const DEFAULT_WINDOWS = [
  { name: 'P1D', size: '1d' },
  { name: 'P7D/P1D', size: '7d', advance: '1d' },
];

/**
 * The defaults, documented in the README's topology reference: the one
 * place a setting gets its default (the stages take every value given).
 */
export function withDefaults(file: TopologyFile, ms: (value: Duration) => number): TopologyConfig {
  const early = file.aggregation?.earlyEmission ?? false;
  const retireAfter = file.aggregation?.retireAfter ?? '30d';
  return {
    applicationId: file.applicationId,
    inputs: {
      topics: file.inputs.topics,
      partitions: file.inputs.partitions ?? 6,
      maxRecordBytes: file.inputs.maxRecordBytes ?? 1024 * 1024,
      avro: file.inputs.avro ?? true,
      disorderMs: ms(file.inputs.disorder ?? '1m'),
    },
    unknownTypes: file.unknownTypes ?? 'dead-letter',
    dedupeHorizonMs: ms(file.dedupe?.horizon ?? '24h'),
    enrichment: { enabled: file.enrichment?.enabled ?? true },
    aggregation: {
      enabled: file.aggregation?.enabled ?? true,
      windows: (file.aggregation?.windows ?? DEFAULT_WINDOWS).map((window) => ({
        name: window.name,
        sizeMs: ms(window.size),
        advanceMs: ms(window.advance ?? window.size),
      })),
      graceMs: ms(file.aggregation?.grace ?? '1h'),
      idleTimeoutMs: ms(file.aggregation?.idleTimeout ?? '1h'),
      earlyEmissionMs: early === false ? false : ms(early),
      replicaSetRollouts: file.aggregation?.replicaSetRollouts ?? true,
      retireAfterMs: retireAfter === false ? false : ms(retireAfter),
    },
    incidents: {
      source: file.incidents?.source ?? '/cdstream',
      vulnerability: {
        enabled: file.incidents?.vulnerability?.enabled ?? true,
        threshold: file.incidents?.vulnerability?.threshold ?? 'critical',
      },
      failureBurst: {
        enabled: file.incidents?.failureBurst?.enabled ?? true,
        failures: file.incidents?.failureBurst?.failures ?? 3,
        windowMs: ms(file.incidents?.failureBurst?.window ?? '1h'),
        resolveAfterSuccesses: file.incidents?.failureBurst?.resolveAfterSuccesses ?? 2,
      },
    },
    outputs: {
      deadLetter: file.outputs?.deadLetter ?? 'cdstream.dlq',
      enriched: file.outputs?.enriched ?? 'cdstream.enriched',
      metrics: file.outputs?.metrics ?? 'cdstream.metrics',
      incidents: file.outputs?.incidents ?? 'cdstream.incidents',
      late: file.outputs?.late ?? 'cdstream.late',
      metricsFormat: file.outputs?.metricsFormat ?? 'json',
    },
    runtime: {
      commitIntervalMs: ms(file.runtime?.commitInterval ?? '100ms'),
      commitMaxRecords: file.runtime?.commitMaxRecords ?? 1000,
      stateOnlyCommitIntervalMs: ms(file.runtime?.stateOnlyCommitInterval ?? '1s'),
      partitionsConsumedConcurrently: file.runtime?.partitionsConsumedConcurrently ?? 4,
      sessionTimeoutMs: ms(file.runtime?.sessionTimeout ?? '30s'),
      alignmentDriftMs:
        file.runtime?.eventTimeAlignment === false
          ? Number.POSITIVE_INFINITY
          : ms(file.runtime?.eventTimeAlignment ?? '15m'),
    },
  };
}
