import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { loadTopologyOrExit } from '../topology-arg.js';
import { healthServerSettings, startHealthServer } from '../../observability/health-server.js';
import { createLogger } from '../../observability/logger.js';
import { createHostedWorker, WorkerStartError, type HostedWorker } from '../worker-host.js';
import { runFleetHost } from '../fleet-host.js';

interface RunOptions {
  topology: string;
  workers: number;
}

export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;

export const shutdownTimeoutMs = (): number =>
  Number(process.env.CDSTREAM_SHUTDOWN_TIMEOUT_MS ?? DEFAULT_SHUTDOWN_TIMEOUT_MS);

function workerCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 64) {
    throw new InvalidArgumentError('expected a whole number from 1 to 64');
  }
  return count;
}

/**
 * `cdstream run --topology FILE [--workers N]`: N workers of the fleet on
 * this host (default: one per core). Start as many hosts as you like; all
 * workers share the work through their consumer groups.
 */
export function runCommand(): Command {
  return new Command('run')
    .description('Run workers on a topology; workers with the same topology form a fleet.')
    .requiredOption('--topology <file>', 'topology file (YAML), e.g. topologies/default.yaml')
    .option(
      '--workers <n>',
      'workers in this process, one thread each (default: the number of cores)',
      workerCount,
      availableParallelism(),
    )
    .addHelpText(
      'after',
      '\nOne /metrics, /healthz and /readyz for the host: counters summed over its workers, ready when every worker is.' +
        '\nWaits up to CDSTREAM_START_TIMEOUT_MS (default 300000) for an unreachable broker at start.' +
        '\nStops cleanly on SIGTERM/SIGINT within CDSTREAM_SHUTDOWN_TIMEOUT_MS (default 30000): the open transactions commit, tasks close, the workers leave their groups.' +
        '\nA worker that fails stops the others cleanly and the host exits 1, so that its supervisor restarts it whole.' +
        '\nExit codes: 0 stopped on a signal, 1 failed (broker unreachable past the start timeout, fatal error, shutdown deadline missed), 2 usage or topology error.',
    )
    .action(async (options: RunOptions) => {
      if (options.workers > 1) {
        await runFleetHost({ topologyPath: options.topology, workers: options.workers });
        return;
      }
      await runSingleWorker(options.topology);
    });
}

/** One worker in this process, as before fleets: no threads. */
async function runSingleWorker(topologyPath: string): Promise<void> {
  const logger = createLogger();
  const timeoutMs = shutdownTimeoutMs();
  let hosted: HostedWorker | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (!hosted) {
      logger.info({ signal }, `${signal} while starting: nothing to commit yet; exiting`);
      process.exit(0);
    }
    logger.info(
      { signal, shutdownTimeoutMs: timeoutMs },
      `${signal}: committing open work and leaving the group`,
    );
    const outcome = await stopWithin(hosted, timeoutMs);
    if (outcome === 'late') {
      logger.error(
        { shutdownTimeoutMs: timeoutMs },
        `shutdown did not finish within ${timeoutMs} ms; exiting, open transactions abort`,
      );
      process.exit(1);
    }
    logger.info({}, 'worker stopped');
    process.exit(0);
  };
  // first thing: a signal during start-up ends the process cleanly, not by the signal
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  const config = loadTopologyOrExit(topologyPath);
  try {
    hosted = await createHostedWorker({ config, logger });
  } catch (error) {
    exitOnStartError(logger, error);
  }
  let url: string;
  try {
    const http = await startHealthServer({
      ...healthServerSettings(),
      metrics: hosted.metrics,
      readiness: hosted.readiness,
    });
    url = http.url;
  } catch (error) {
    logger.fatal(
      { err: error },
      `cannot serve metrics and health: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(2);
  }
  logger.info({ url }, `metrics at ${url}/metrics, health at ${url}/healthz and ${url}/readyz`);

  try {
    await hosted.start();
  } catch (error) {
    exitOnStartError(logger, error);
  }
  logger.info(
    { topology: topologyPath, applicationId: config.applicationId, connection: hosted.connection },
    `worker ${process.pid} running ${topologyPath} (${hosted.stageNames.join(' → ')})`,
  );
  const error = await hosted.failed;
  logger.fatal({ err: error }, `worker stopped on an unrecoverable error: ${error.message}`);
  process.exit(1);
}

export async function stopWithin(
  hosted: { stop(): Promise<void> },
  timeoutMs: number,
): Promise<'stopped' | 'late'> {
  const deadline = new Promise<'late'>((resolve) =>
    setTimeout(() => {
      resolve('late');
    }, timeoutMs).unref(),
  );
  return Promise.race([hosted.stop().then(() => 'stopped' as const), deadline]);
}

function exitOnStartError(logger: ReturnType<typeof createLogger>, error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  logger.fatal({ err: error }, message);
  process.exit(error instanceof WorkerStartError ? error.exitCode : 1);
}
