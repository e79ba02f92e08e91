/**
 * A worker thread of a fleet host: one cdstream worker, started and stopped
 * by the host, reporting its readiness and metrics to it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadTopologyFile } from '../config/topology-file.js';
import { createLogger } from '../observability/logger.js';
import type { FleetThreadData, FromThread, ToThread } from './fleet-messages.js';
import { createHostedWorker, WorkerStartError, type HostedWorker } from './worker-host.js';

const port = parentPort;
if (!port) throw new Error('fleet-thread.js runs only as a worker thread of `cdstream run`');
const data = workerData as FleetThreadData;
const tell = (message: FromThread) => {
  port.postMessage(message);
};
const logger = createLogger().child({ worker: data.index });

let hosted: HostedWorker | undefined;
let stopping: Promise<void> | undefined;

port.on('message', (message: ToThread) => {
  if (message.type === 'stop') {
    stopping ??= (hosted?.stop() ?? Promise.resolve()).then(() => {
      tell({ type: 'stopped' });
    });
    return;
  }
  if (message.type === 'readiness') {
    const { ready, detail } = hosted?.readiness() ?? { ready: false, detail: { started: false } };
    tell({ type: 'readiness', id: message.id, ready, detail });
    return;
  }
  // a collector that fails leaves this worker out of one scrape, never the thread down
  const metrics = (hosted?.metrics.registry.getMetricsAsJSON() ?? Promise.resolve([])).catch(
    (error: unknown) => {
      logger.warn({ err: error }, `metrics of worker ${data.index} not collected`);
      return [];
    },
  );
  void metrics.then((json) => {
    tell({ type: 'metrics', id: message.id, metrics: json });
  });
});

try {
  const config = loadTopologyFile(data.topologyPath);
  hosted = await createHostedWorker({
    config,
    logger,
    processMetrics: false,
    clientSuffix: `-w${data.index}`,
  });
  const started = hosted;
  await started.start();
  if (stopping === undefined) {
    tell({ type: 'running', stages: started.stageNames, connection: started.connection });
  }
  const error = await started.failed;
  if (stopping === undefined) tell({ type: 'failed', message: error.message });
} catch (error) {
  tell({
    type: 'start-failed',
    message: error instanceof Error ? error.message : String(error),
    exitCode: error instanceof WorkerStartError ? error.exitCode : 1,
  });
}
