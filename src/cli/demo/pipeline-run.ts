/**
 * The demo's run on a real broker: topics, a worker of the whole pipeline in
 * this process, the sample stream produced, and everything that came out.
 */
import { pino } from 'pino';
import { buildTopology, type PipelineHooks } from '../../config/pipeline.js';
import type { TopologyConfig } from '../../config/topology-config.js';
import { KafkajsTransport } from '../../runtime/kafka/kafkajs-transport.js';
import { StreamWorker } from '../../runtime/worker.js';
import { kafkajsSecurity, type Connections } from '../connections.js';
import { describeRecord, inStreamTime, recordsOfFile, toKafkaMessage } from '../input-records.js';
import { RecordRefusedError, refusalOf, topicLimits } from '../refusals.js';
import { readToEnd, type ReadRecord } from '../kafka-topics.js';

export interface PipelineRunResult {
  readonly records: readonly ReadRecord[];
  readonly seconds: number;
}

/**
 * How long an input partition of the demo that never gets a record holds
 * event time at "unknown". The demo's input topic is new and the sample's
 * few sources leave some of its partitions empty: with the topology's idle
 * timeout (1 h by default) no window would close before the run ends.
 */
export const DEMO_IDLE_TIMEOUT_MS = 5_000;

/**
 * The default topology under a fresh application id and topic names, so
 * every run starts clean; empty input partitions idle after
 * DEMO_IDLE_TIMEOUT_MS.
 */
export function isolatedConfig(config: TopologyConfig, runId: string): TopologyConfig {
  const prefix = `cdstream.demo.${runId}`;
  return {
    ...config,
    applicationId: `cdstream-demo-${runId}`,
    inputs: { ...config.inputs, topics: [`${prefix}.in`] },
    aggregation: {
      ...config.aggregation,
      idleTimeoutMs: Math.min(config.aggregation.idleTimeoutMs, DEMO_IDLE_TIMEOUT_MS),
    },
    outputs: {
      ...config.outputs,
      deadLetter: `${prefix}.dlq`,
      enriched: `${prefix}.enriched`,
      metrics: `${prefix}.metrics`,
      incidents: `${prefix}.incidents`,
      late: `${prefix}.late`,
    },
  };
}

export interface RunOptions {
  /** the file the lines are in, to name a record the broker refuses */
  readonly file?: string;
}

export async function runPipeline(
  config: TopologyConfig,
  connections: Connections,
  lines: readonly string[],
  progress: (step: string) => void,
  hooks: PipelineHooks = {},
  { file = 'sample' }: RunOptions = {},
): Promise<PipelineRunResult> {
  const started = performance.now();
  const kafka = connections.kafka(`${config.applicationId}-demo`);
  const topology = buildTopology(config, hooks);
  const transport = new KafkajsTransport({
    clientId: `${config.applicationId}-worker`,
    brokers: connections.brokers,
    kafka: kafkajsSecurity(connections.security),
    logger: pino({ level: 'error' }),
  });
  const input = config.inputs.topics[0] ?? '';
  await transport.ensureTopics([{ name: input, partitions: config.inputs.partitions }]);
  // The sample is produced before the worker starts, as a team loads its
  // history: every input partition that gets records has them when the
  // worker first reads it, and only partitions no record goes to stay empty
  // (they idle after the idle timeout and hold nothing back). Each partition
  // is in event-time order, so nothing is late, whatever order the stages'
  // tasks then run in. A bad record without an event time is dated at the
  // time the stream has reached, as a live producer would date it: the
  // sample is never dated after its own latest event, whatever the clock says.
  const parsed = recordsOfFile(lines.join('\n'));
  const records = inStreamTime(
    parsed,
    parsed.find((r) => r.timestamp !== undefined)?.timestamp ?? Date.now(),
  );
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (const [index, record] of records.entries()) {
      const message = toKafkaMessage(record);
      try {
        await producer.send({ topic: input, messages: [message] });
      } catch (error) {
        const limits = await topicLimits(kafka, input).catch(() => undefined);
        const refusal = refusalOf(error, message, input, limits, Date.now());
        if (refusal === undefined) throw error;
        throw new RecordRefusedError(describeRecord(file, record), refusal, index);
      }
    }
  } finally {
    await producer.disconnect();
  }
  progress(`produced ${records.length} records to ${input}, in event-time order`);

  // the worker creates the internal and output topics it needs
  const worker = new StreamWorker({ topology, transport, logger: pino({ level: 'error' }) });
  await worker.start();
  progress(`worker started: ${topology.stages.map((s) => s.name).join(' → ')}`);
  const { outputs } = config;
  if (config.aggregation.enabled) {
    // Event time reaches the aggregate in watermark records after the data:
    // wait until it has come as far as the sample's latest event takes it
    // (less the input's disorder allowance and the grace), so every window
    // that event closes has closed.
    const latest = Math.max(...records.map((r) => r.timestamp ?? Number.NEGATIVE_INFINITY));
    const reach = latest - config.inputs.disorderMs - config.aggregation.graceMs;
    try {
      await aggregateReached(worker, reach, 60_000);
    } catch (error) {
      await worker.stop().catch(() => undefined);
      throw error;
    }
  }
  await worker.stop();

  const topics = [
    outputs.enriched,
    outputs.metrics,
    outputs.incidents,
    outputs.late,
    outputs.deadLetter,
  ];
  return { records: await readToEnd(kafka, topics), seconds: (performance.now() - started) / 1000 };
}

/** Resolves when every aggregate task of the worker has a watermark at or past `time`; polls every 50 ms. */
async function aggregateReached(worker: StreamWorker, time: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tasks = worker.watermarks().filter((task) => task.stage === 'aggregate');
    const behind = tasks.filter((task) => task.watermark < time);
    if (tasks.length > 0 && behind.length === 0) return;
    if (Date.now() > deadline) {
      const held = behind.flatMap((task) => task.holdingBack);
      throw new Error(
        `timed out waiting for the aggregate's event time to reach ${new Date(time).toISOString()}` +
          (held.length > 0 ? ` (held back by ${[...new Set(held)].join(', ')})` : ''),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
