import { hostname } from 'node:os';
import { Command } from 'commander';
import { registryAvroDecoder } from '../../cloudevents/avro.js';
import { buildTopology } from '../../config/pipeline.js';
import { loadTopologyOrExit } from '../topology-arg.js';
import { asCdstreamError, isCdstreamError, type ErrorCode } from '../../errors.js';
import {
  healthServerSettings,
  startHealthServer,
  type HealthServer,
} from '../../observability/health-server.js';
import { CdstreamMetrics, type WatermarkSample } from '../../observability/metrics.js';
import { workerReadiness, type ReadinessCheck } from '../../observability/readiness.js';
import { TrackedTransport } from '../../observability/tracked-transport.js';
import { createLogger } from '../../observability/logger.js';
import { KafkajsTransport } from '../../runtime/kafka/kafkajs-transport.js';
import { StreamWorker } from '../../runtime/worker.js';
import { connectionsFromEnvironment, kafkajsSecurity } from '../connections.js';
import { metricsEncoderFor } from '../metrics-format.js';
import type { MetricsEncoder } from '../../stages/aggregate/metrics-encoding.js';

interface RunOptions {
  topology: string;
}

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;

/**
 * `cdstream run --topology FILE`: one worker of the fleet. Start as many as
 * the input has partitions; they share the work through their consumer groups.
 */
export function runCommand(): Command {
  return new Command('run')
    .description('Run a worker on a topology; several workers with the same topology form a fleet.')
    .requiredOption('--topology <file>', 'topology file (YAML), e.g. topologies/default.yaml')
    .addHelpText(
      'after',
      '\nWaits up to CDSTREAM_START_TIMEOUT_MS (default 300000) for an unreachable broker at start.' +
        '\nStops cleanly on SIGTERM/SIGINT within CDSTREAM_SHUTDOWN_TIMEOUT_MS (default 30000): the open transactions commit, tasks close, the worker leaves its groups.' +
        '\nExit codes: 0 stopped on a signal, 1 failed (broker unreachable past the start timeout, fatal error, shutdown deadline missed), 2 usage or topology error.',
    )
    .action(async (options: RunOptions) => {
      const logger = createLogger();
      const config = loadTopologyOrExit(options.topology);
      const connections = connectionsFromEnvironment();
      const avro =
        config.inputs.avro && connections.registryUrl
          ? registryAvroDecoder(connections.registry())
          : undefined;
      let readiness: ReadinessCheck = () => ({ ready: false, detail: { started: false } });
      let watermarks: () => readonly WatermarkSample[] = () => [];
      const transport = new TrackedTransport(
        new KafkajsTransport({
          clientId: `${config.applicationId}-${hostname()}-${process.pid}`,
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
      });
      let metricsEncoder: MetricsEncoder | undefined;
      try {
        metricsEncoder = await metricsEncoderFor(config, connections);
      } catch (error) {
        logger.fatal(
          { err: error },
          `cannot encode metrics as ${config.outputs.metricsFormat}: ${error instanceof Error ? error.message : String(error)}`,
        );
        process.exit(isCdstreamError(error) ? 2 : 1);
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
        settings: {
          commitIntervalMs: config.runtime.commitIntervalMs,
          commitMaxRecords: config.runtime.commitMaxRecords,
          partitionsConsumedConcurrently: config.runtime.partitionsConsumedConcurrently,
        },
        ...(process.env.CDSTREAM_START_TIMEOUT_MS
          ? { startTimeoutMs: Number(process.env.CDSTREAM_START_TIMEOUT_MS) }
          : {}),
      });

      readiness = workerReadiness(worker, transport);
      watermarks = () => worker.watermarks();
      let http: HealthServer;
      try {
        http = await startHealthServer({
          ...healthServerSettings(),
          metrics,
          readiness: () => readiness(),
        });
      } catch (error) {
        logger.fatal(
          { err: error },
          `cannot serve metrics and health: ${error instanceof Error ? error.message : String(error)}`,
        );
        process.exit(2);
      }
      logger.info(
        { url: http.url },
        `metrics at ${http.url}/metrics, health at ${http.url}/healthz and ${http.url}/readyz`,
      );

      const shutdownTimeoutMs = Number(
        process.env.CDSTREAM_SHUTDOWN_TIMEOUT_MS ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
      );
      let stopping = false;
      const shutdown = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info(
          { signal, shutdownTimeoutMs },
          `${signal}: committing open work and leaving the group`,
        );
        const deadline = new Promise<'late'>((resolve) =>
          setTimeout(() => {
            resolve('late');
          }, shutdownTimeoutMs).unref(),
        );
        const outcome = await Promise.race([
          worker.stop().then(() => 'stopped' as const),
          deadline,
        ]);
        if (outcome === 'late') {
          logger.error(
            { shutdownTimeoutMs },
            `shutdown did not finish within ${shutdownTimeoutMs} ms; exiting, open transactions abort`,
          );
          process.exit(1);
        }
        logger.info({}, 'worker stopped');
        process.exit(0);
      };
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
      process.on('SIGINT', () => void shutdown('SIGINT'));

      try {
        await worker.start();
      } catch (error) {
        const known = asCdstreamError(error);
        const message = known ? `${known.code}: ${known.message}` : String(error);
        logger.fatal({ err: error }, `worker failed to start: ${message}`);
        process.exit(known?.code === 'CONFIG_INVALID' || known?.code === 'COPARTITIONING' ? 2 : 1);
      }
      logger.info(
        {
          topology: options.topology,
          applicationId: config.applicationId,
          connection: connections.description,
        },
        `worker ${process.pid} running ${options.topology} (${topology.stages.map((s) => s.name).join(' → ')})`,
      );
      const error = await worker.failed;
      logger.fatal({ err: error }, `worker stopped on an unrecoverable error: ${error.message}`);
      process.exit(1);
    });
}
