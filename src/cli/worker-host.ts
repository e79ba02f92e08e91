/**
 * One cdstream worker with its Kafka client, metrics and readiness: what
 * `cdstream run` starts once per worker, in its own process or in a thread
 * of a fleet host (`--workers N`).
 */
import { hostname } from 'node:os';
import { registryAvroDecoder } from '../cloudevents/avro.js';
import { buildTopology } from '../config/pipeline.js';
import { runnerSettingsOf } from '../config/runner-settings.js';
import type { TopologyConfig } from '../config/topology-config.js';
import { asCdstreamError, type ErrorCode } from '../errors.js';
import { CdstreamMetrics, type WatermarkSample } from '../observability/metrics.js';
import { workerReadiness, type ReadinessCheck } from '../observability/readiness.js';
import { TrackedTransport } from '../observability/tracked-transport.js';
import type { Logger } from '../observability/logger.js';
import { KafkajsTransport } from '../runtime/kafka/kafkajs-transport.js';
import { StreamWorker } from '../runtime/worker.js';
import { connectionsFromEnvironment } from './connections.js';
import { kafkajsSecurity } from './connections.js';
import { metricsEncoderFor } from './metrics-format.js';

export interface HostedWorker {
  readonly metrics: CdstreamMetrics;
  readonly readiness: ReadinessCheck;
  readonly stageNames: readonly string[];
  /** where it connects, for the start line (no secrets) */
  readonly connection: object;
  /** starts consuming; rejects with the exit code the failure deserves */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** settles when the worker stops on an unrecoverable error */
  readonly failed: Promise<Error>;
}

/** A start-up failure and the exit code it maps to (2: configuration, 1: anything else). */
export class WorkerStartError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface WorkerHostOptions {
  readonly config: TopologyConfig;
  readonly logger: Logger;
  /** in a fleet host, process-wide metrics are the host's, not each worker's */
  readonly processMetrics?: boolean;
  /** distinguishes the Kafka clients of the workers of one process */
  readonly clientSuffix?: string;
}

export async function createHostedWorker(options: WorkerHostOptions): Promise<HostedWorker> {
  const { config, logger } = options;
  const connections = connectionsFromEnvironment();
  const avro =
    config.inputs.avro && connections.registryUrl
      ? registryAvroDecoder(connections.registry())
      : undefined;
  let readiness: ReadinessCheck = () => ({ ready: false, detail: { started: false } });
  let watermarks: () => readonly WatermarkSample[] = () => [];
  const transport = new TrackedTransport(
    new KafkajsTransport({
      clientId: `${config.applicationId}-${hostname()}-${process.pid}${options.clientSuffix ?? ''}`,
      brokers: connections.brokers,
      logger,
      kafka: kafkajsSecurity(connections.security),
      sessionTimeoutMs: config.runtime.sessionTimeoutMs,
    }),
  );
  const metrics = new CdstreamMetrics({
    consumerLag: () => transport.allConsumerLag(),
    ready: () => readiness().ready,
    watermarks: () => watermarks(),
    processMetrics: options.processMetrics ?? true,
  });
  let metricsEncoder;
  try {
    metricsEncoder = await metricsEncoderFor(config, connections);
  } catch (error) {
    const known = asCdstreamError(error);
    throw new WorkerStartError(
      `cannot encode metrics as ${config.outputs.metricsFormat}: ${error instanceof Error ? error.message : String(error)}`,
      known ? 2 : 1,
      { cause: error },
    );
  }
  const topology = buildTopology(config, {
    ...(avro ? { avro } : {}),
    ...(metricsEncoder ? { metricsEncoder } : {}),
    onOutcome: (stage, outcome, detail) => {
      metrics.recordOutcome(stage, outcome, detail.code as ErrorCode | undefined);
    },
    onCount: (stage, name) => {
      metrics.count(stage, name);
    },
  });
  const worker = new StreamWorker({
    topology,
    transport,
    logger,
    listener: metrics.runtimeListener(),
    settings: runnerSettingsOf(config.runtime),
    ...(process.env.CDSTREAM_START_TIMEOUT_MS
      ? { startTimeoutMs: Number(process.env.CDSTREAM_START_TIMEOUT_MS) }
      : {}),
  });
  readiness = workerReadiness(worker, transport);
  watermarks = () => worker.watermarks();
  return {
    metrics,
    readiness: () => readiness(),
    stageNames: topology.stages.map((stage) => stage.name),
    connection: connections.description,
    async start() {
      try {
        await worker.start();
      } catch (error) {
        const known = asCdstreamError(error);
        const message = known ? `${known.code}: ${known.message}` : String(error);
        const configuration = known?.code === 'CONFIG_INVALID' || known?.code === 'COPARTITIONING';
        throw new WorkerStartError(`worker failed to start: ${message}`, configuration ? 2 : 1, {
          cause: error,
        });
      }
    },
    stop: () => worker.stop(),
    failed: worker.failed,
  };
}
