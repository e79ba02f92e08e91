/**
 * `cdstream run --workers N`: N workers of the fleet in one process, one
 * worker thread each, so one host uses every core. The host serves one
 * /metrics (the workers' metrics aggregated), /healthz and /readyz (ready
 * when every worker is), and stops them all on SIGTERM/SIGINT. A SIGKILL
 * takes them all down at once, as for separate processes. A worker that
 * fails stops the others cleanly and the host exits 1.
 */
import { Worker } from 'node:worker_threads';
import { AggregatorRegistry, collectDefaultMetrics, Registry } from 'prom-client';
import { healthServerSettings, startHealthServer } from '../observability/health-server.js';
import { createLogger } from '../observability/logger.js';
import { shutdownTimeoutMs } from './commands/run.js';
import type { FleetThreadData, FromThread, ToThread } from './fleet-messages.js';
import { threadExecArgv } from './thread-exec-argv.js';
import { loadTopologyOrExit } from './topology-arg.js';

/** how long /metrics and /readyz wait for a worker's answer */
const REQUEST_TIMEOUT_MS = 5_000;

type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

interface ThreadState {
  readonly worker: Worker;
  running: boolean;
  stopped: boolean;
}

type Answer = Extract<FromThread, { id: number }>;

interface WorkerDetail {
  readonly started?: boolean;
  readonly ready?: boolean;
  readonly stages?: Record<string, { assigned: number[]; running: number[] }>;
  readonly rebalancing?: readonly string[];
}

/**
 * The host's /readyz detail: the shape of one worker's, over all of them, and
 * each worker's own. A partition two workers both hold is still moving.
 */
function hostDetail(workers: readonly WorkerDetail[]): WorkerDetail & {
  readonly overlapping: boolean;
  readonly workers: readonly WorkerDetail[];
} {
  const stages: Record<string, { assigned: number[]; running: number[] }> = {};
  for (const worker of workers) {
    for (const [name, stage] of Object.entries(worker.stages ?? {})) {
      const merged = (stages[name] ??= { assigned: [], running: [] });
      merged.assigned.push(...stage.assigned);
      merged.running.push(...stage.running);
    }
  }
  let overlapping = false;
  for (const stage of Object.values(stages)) {
    stage.assigned.sort((a, b) => a - b);
    stage.running.sort((a, b) => a - b);
    if (new Set(stage.assigned).size !== stage.assigned.length) overlapping = true;
  }
  return {
    overlapping,
    started: workers.every((worker) => worker.started === true),
    ready: workers.every((worker) => worker.ready === true),
    stages,
    rebalancing: [...new Set(workers.flatMap((worker) => worker.rebalancing ?? []))],
    workers,
  };
}

/**
 * V8 sizes a young generation by the machine's memory: 128 MB on a 24 GB
 * host, all of it resident once the scavenger has used both halves. A worker
 * allocates short-lived records fast but keeps few of them, so 32 MB costs a
 * few percent more scavenging and saves about 95 MB per worker (bench/RESULTS.md).
 * A --max-semi-space-size given to node wins over this.
 */
export const WORKER_YOUNG_GENERATION_MB = 32;

const threadEntry = (): URL =>
  new URL(
    import.meta.url.endsWith('.ts') ? './fleet-thread.ts' : './fleet-thread.js',
    import.meta.url,
  );

export async function runFleetHost(options: {
  topologyPath: string;
  workers: number;
}): Promise<void> {
  const logger = createLogger();
  const config = loadTopologyOrExit(options.topologyPath);
  const hostRegistry = new Registry();
  collectDefaultMetrics({ register: hostRegistry });
  const threads: ThreadState[] = [];
  const pending = new Map<number, (answer: Answer) => void>();
  let nextRequestId = 0;
  let stopping: Promise<void> | undefined;

  const send = (thread: ThreadState, message: ToThread) => {
    thread.worker.postMessage(message);
  };

  const stopAll = (exitCode: number, why: string): Promise<void> => {
    stopping ??= (async () => {
      const timeoutMs = shutdownTimeoutMs();
      logger.info({ shutdownTimeoutMs: timeoutMs }, `${why}: stopping ${threads.length} workers`);
      const allStopped = Promise.all(
        threads.map(
          (thread) =>
            new Promise<void>((resolve) => {
              if (thread.stopped) {
                resolve();
                return;
              }
              thread.worker.once('exit', () => {
                resolve();
              });
              thread.worker.on('message', (message: FromThread) => {
                if (message.type === 'stopped') resolve();
              });
              send(thread, { type: 'stop' });
            }),
        ),
      );
      const deadline = new Promise<'late'>((resolve) =>
        setTimeout(() => {
          resolve('late');
        }, timeoutMs).unref(),
      );
      if ((await Promise.race([allStopped.then(() => 'stopped' as const), deadline])) === 'late') {
        logger.error(
          { shutdownTimeoutMs: timeoutMs },
          `shutdown did not finish within ${timeoutMs} ms; exiting, open transactions abort`,
        );
        process.exit(1);
      }
      logger.info({ workers: threads.length }, `every worker stopped (${threads.length})`);
      process.exit(exitCode);
    })();
    return stopping;
  };

  // before the workers start: a signal while they start stops them too (a
  // thread that is still starting stops at once), never the host by the signal
  process.on('SIGTERM', () => void stopAll(0, 'SIGTERM'));
  process.on('SIGINT', () => void stopAll(0, 'SIGINT'));

  for (let index = 0; index < options.workers; index++) {
    const workerData: FleetThreadData = { topologyPath: options.topologyPath, index };
    const thread: ThreadState = {
      worker: new Worker(threadEntry(), {
        workerData,
        execArgv: threadExecArgv(process.execArgv),
        resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
      }),
      running: false,
      stopped: false,
    };
    threads.push(thread);
    thread.worker.on('message', (message: FromThread) => {
      switch (message.type) {
        case 'readiness':
        case 'metrics':
          pending.get(message.id)?.(message);
          return;
        case 'running':
          thread.running = true;
          if (threads.every((each) => each.running)) {
            logger.info(
              { applicationId: config.applicationId, connection: message.connection },
              `${threads.length} workers in process ${process.pid} running ${options.topologyPath} (${message.stages.join(' → ')})`,
            );
          }
          return;
        case 'start-failed':
          logger.fatal({ worker: index }, message.message);
          void stopAll(message.exitCode, `worker ${index} failed to start`);
          return;
        case 'failed':
          logger.fatal(
            { worker: index },
            `worker ${index} stopped on an unrecoverable error: ${message.message}`,
          );
          void stopAll(1, `worker ${index} failed`);
          return;
        case 'stopped':
          thread.stopped = true;
          return;
      }
    });
    thread.worker.on('error', (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      logger.fatal({ worker: index, err: error }, `worker ${index} crashed: ${message}`);
      void stopAll(1, `worker ${index} crashed`);
    });
    thread.worker.on('exit', () => {
      thread.stopped = true;
      if (stopping === undefined) {
        logger.fatal({ worker: index }, `worker ${index} exited unexpectedly`);
        void stopAll(1, `worker ${index} exited`);
      }
    });
  }

  /** Asks a worker; undefined when it does not answer in time (stopping, or stuck). */
  const ask = (thread: ThreadState, type: 'metrics' | 'readiness'): Promise<Answer | undefined> =>
    new Promise((resolve) => {
      if (thread.stopped) {
        resolve(undefined);
        return;
      }
      const id = nextRequestId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve(undefined);
      }, REQUEST_TIMEOUT_MS);
      pending.set(id, (answer) => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(answer);
      });
      send(thread, { type, id });
    });

  const readiness = async () => {
    const answers = await Promise.all(threads.map((thread) => ask(thread, 'readiness')));
    const details = answers.map((answer) =>
      answer?.type === 'readiness' ? (answer.detail as WorkerDetail) : { started: false },
    );
    const detail = hostDetail(details);
    return {
      ready:
        answers.every((answer) => answer?.type === 'readiness' && answer.ready) &&
        !detail.overlapping,
      detail,
    };
  };

  const exposition = async () => {
    const all = await Promise.all([
      hostRegistry.getMetricsAsJSON(),
      ...threads.map(async (thread) => {
        const answer = await ask(thread, 'metrics');
        return answer?.type === 'metrics' ? (answer.metrics as MetricsJson) : [];
      }),
    ]);
    const registry = AggregatorRegistry.aggregate(all);
    return { contentType: registry.contentType, body: await registry.metrics() };
  };

  try {
    const http = await startHealthServer({
      ...healthServerSettings(),
      metrics: { exposition },
      readiness,
    });
    logger.info(
      { url: http.url, workers: options.workers },
      `metrics at ${http.url}/metrics, health at ${http.url}/healthz and ${http.url}/readyz`,
    );
  } catch (error) {
    logger.fatal(
      { err: error },
      `cannot serve metrics and health: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(2);
  }
}
