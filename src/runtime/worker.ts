/**
 * A worker of the fleet: prepares the topology's internal topics, checks
 * co-partitioning, and runs one stage runner (consumer group) per stage.
 */
import type { RuntimeListener, RuntimeLogger } from './observer.js';
import { DEFAULT_RUNNER_SETTINGS, StageRunner, type RunnerSettings } from './stage-runner.js';
import { retryDelay } from './task-slot.js';
import { checkChangelogs, externalInputs, planTopics } from './topic-plan.js';
import { TopologyNames, validateTopology, type Topology } from './topology.js';
import type { StreamTransport } from './transport.js';

export interface WorkerOptions {
  readonly topology: Topology;
  readonly transport: StreamTransport;
  readonly logger: RuntimeLogger;
  readonly listener?: RuntimeListener;
  readonly settings?: Partial<RunnerSettings>;
  /**
   * How long start() keeps retrying while the broker is unreachable (a
   * worker started during a broker restart waits for it); default 5 minutes.
   */
  readonly startTimeoutMs?: number;
}

const DEFAULT_START_TIMEOUT_MS = 300_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface WorkerStatus {
  readonly started: boolean;
  /** every assigned task is restored and processing */
  readonly ready: boolean;
  readonly stages: Record<string, { assigned: number[]; running: number[] }>;
}

export class StreamWorker {
  private readonly names: TopologyNames;
  private readonly runners: StageRunner[] = [];
  private started = false;
  private readonly partitionCounts = new Map<string, number>();
  private recordBatchLimits = new Map<string, number>();
  private fatal: ((error: Error) => void) | undefined;
  /** resolves with the first error no runner can recover from */
  readonly failed: Promise<Error>;

  /** Event time of every running task of this worker, for metrics. */
  watermarks(): {
    stage: string;
    partition: number;
    watermark: number;
    holdingBack: readonly string[];
    held: number;
    streamTime: number;
    violations: number;
    regressions: number;
  }[] {
    return this.runners.flatMap((runner) =>
      runner.watermarks().map(({ stage, partition, status }) => ({ stage, partition, ...status })),
    );
  }

  constructor(private readonly options: WorkerOptions) {
    validateTopology(options.topology);
    this.names = new TopologyNames(options.topology);
    this.failed = new Promise((resolve) => {
      this.fatal = resolve;
    });
  }

  async start(): Promise<void> {
    const settings = { ...DEFAULT_RUNNER_SETTINGS, ...this.options.settings };
    const deadline = Date.now() + (this.options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    await this.whileUnreachable('preparing topics', deadline, settings, () => this.prepareTopics());
    for (const stage of this.options.topology.stages) {
      const runner = new StageRunner(
        stage,
        this.names,
        this.options.transport,
        settings,
        this.options.logger,
        this.options.listener ?? {},
        (topic) => {
          const count = this.partitionCounts.get(topic);
          if (count === undefined) throw new Error(`no partition count known for topic ${topic}`);
          return count;
        },
        Date.now,
        (topic) => this.recordBatchLimits.get(topic),
      );
      await this.whileUnreachable(`joining group of stage ${stage.name}`, deadline, settings, () =>
        runner.start((error) => this.fatal?.(error)),
      );
      this.runners.push(runner);
    }
    this.started = true;
  }

  /** Commits open transactions, closes tasks and leaves the groups. */
  async stop(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop()));
    await this.options.transport.close();
  }

  status(): WorkerStatus {
    const stages: WorkerStatus['stages'] = {};
    let ready = this.started;
    for (const [i, runner] of this.runners.entries()) {
      const name = this.options.topology.stages[i]?.name ?? String(i);
      const assigned = runner.assignedPartitions;
      const running = runner.runningPartitions;
      stages[name] = { assigned, running };
      if (assigned.length === 0 || running.length !== assigned.length) ready = false;
    }
    return { started: this.started, ready, stages };
  }

  /** Runs `step` again, with backoff, as long as it fails because the broker is away. */
  private async whileUnreachable(
    what: string,
    deadline: number,
    settings: RunnerSettings,
    step: () => Promise<void>,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await step();
        return;
      } catch (error) {
        const delay = retryDelay(settings, attempt);
        if (!this.options.transport.isTransient(error) || Date.now() + delay > deadline)
          throw error;
        const reason = error instanceof Error ? error.message : String(error);
        this.options.logger.warn(
          { attempt, retryInMs: delay, err: error },
          `broker not reachable while ${what} (${reason}); retrying in ${delay} ms`,
        );
        await sleep(delay);
      }
    }
  }

  /** Creates internal, changelog and output topics that are missing; refuses bad partitioning. */
  private async prepareTopics(): Promise<void> {
    const transport = this.options.transport;
    const inputCounts = await transport.partitionCounts(externalInputs(this.names));
    const plan = planTopics(this.names, inputCounts);
    await transport.ensureTopics(plan.topics);
    const actual = await transport.partitionCounts(plan.topics.map((topic) => topic.name));
    checkChangelogs(this.names, plan, actual);
    for (const [topic, count] of [...inputCounts, ...actual])
      this.partitionCounts.set(topic, count);
    this.recordBatchLimits = await this.readRecordBatchLimits(plan.topics.map((t) => t.name));
  }

  /**
   * What each topic written takes: a record over it fails every transaction
   * that holds it, so it is dead-lettered instead. Unknown (the broker does
   * not say) means unchecked, as before.
   */
  private async readRecordBatchLimits(topics: readonly string[]): Promise<Map<string, number>> {
    try {
      return await this.options.transport.recordBatchLimits(topics);
    } catch (error) {
      if (this.options.transport.isTransient(error)) throw error;
      this.options.logger.warn(
        { err: error },
        `could not read max.message.bytes of the topics written (${error instanceof Error ? error.message : String(error)}); a record too large for its topic will fail its transaction until it is removed`,
      );
      return new Map();
    }
  }
}
