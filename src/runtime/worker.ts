/**
 * A worker of the fleet: prepares the topology's internal topics, checks
 * co-partitioning, and runs one stage runner (consumer group) per stage.
 */
import { CdstreamError } from '../errors.js';
import type { RuntimeListener, RuntimeLogger } from './observer.js';
import { DEFAULT_RUNNER_SETTINGS, StageRunner, type RunnerSettings } from './stage-runner.js';
import {
  TopologyNames,
  validateTopology,
  type StageDefinition,
  type Topology,
} from './topology.js';
import type { StreamTransport, TopicSpec } from './transport.js';

export interface WorkerOptions {
  readonly topology: Topology;
  readonly transport: StreamTransport;
  readonly logger: RuntimeLogger;
  readonly listener?: RuntimeListener;
  readonly settings?: Partial<RunnerSettings>;
}

export interface WorkerStatus {
  readonly started: boolean;
  /** every assigned task is restored and processing */
  readonly ready: boolean;
  readonly stages: Record<string, { assigned: number[]; running: number[] }>;
}

const COMPACTED = { 'cleanup.policy': 'compact' };

export class StreamWorker {
  private readonly names: TopologyNames;
  private readonly runners: StageRunner[] = [];
  private started = false;
  private readonly partitionCounts = new Map<string, number>();
  private fatal: ((error: Error) => void) | undefined;
  /** resolves with the first error no runner can recover from */
  readonly failed: Promise<Error>;

  constructor(private readonly options: WorkerOptions) {
    validateTopology(options.topology);
    this.names = new TopologyNames(options.topology);
    this.failed = new Promise((resolve) => {
      this.fatal = resolve;
    });
  }

  async start(): Promise<void> {
    await this.prepareTopics();
    const settings = { ...DEFAULT_RUNNER_SETTINGS, ...this.options.settings };
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
      );
      await runner.start((error) => this.fatal?.(error));
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

  /** Creates internal, changelog and output topics that are missing; refuses bad partitioning. */
  private async prepareTopics(): Promise<void> {
    const transport = this.options.transport;
    const stages = this.options.topology.stages;
    const external = new Set(
      stages.flatMap((stage) =>
        stage.inputs.filter((input) => !this.names.isRepartitionTopic(input)),
      ),
    );
    const counts = await transport.partitionCounts([...external]);
    const missing = [...external].filter((topic) => !counts.has(topic));
    if (missing.length > 0) {
      throw new CdstreamError(
        'CONFIG_INVALID',
        `input topic(s) ${missing.join(', ')} do not exist; create them first (cdstream topics create)`,
      );
    }

    const stagePartitions = new Map<string, number>();
    const specs: TopicSpec[] = [];
    // a stage reading another stage's repartition output needs that stage's count first
    for (let pass = 0; pass < stages.length && stagePartitions.size < stages.length; pass++) {
      for (const stage of stages) {
        if (stagePartitions.has(stage.name)) continue;
        const inputCounts = stage.inputs.map((input) =>
          this.names.isRepartitionTopic(input)
            ? this.repartitionCount(input, stagePartitions)
            : counts.get(input),
        );
        if (inputCounts.some((count) => count === undefined)) continue;
        const known = inputCounts as number[];
        if (stage.coPartitioned ?? true) this.checkCoPartitioned(stage, known);
        stagePartitions.set(stage.name, Math.max(...known));
      }
    }

    for (const stage of stages) {
      const partitions = stagePartitions.get(stage.name);
      if (partitions === undefined) {
        throw new CdstreamError(
          'CONFIG_INVALID',
          `stage "${stage.name}" reads a repartition topic no stage writes`,
        );
      }
      for (const changelog of this.names.changelogTopics(stage)) {
        specs.push({ name: changelog, partitions, config: COMPACTED });
      }
      for (const output of Object.values(stage.outputs)) {
        specs.push({ name: this.names.topic(output.topic), partitions });
      }
      if (stage.deadLetterTopic) specs.push({ name: stage.deadLetterTopic, partitions });
    }
    const unique = new Map(specs.map((spec) => [spec.name, spec]));
    for (const topic of external) unique.delete(topic);
    await transport.ensureTopics([...unique.values()]);

    const actual = await transport.partitionCounts([...unique.keys()]);
    for (const [topic, count] of [...counts, ...actual]) this.partitionCounts.set(topic, count);
    for (const stage of stages) {
      for (const changelog of this.names.changelogTopics(stage)) {
        const expected = stagePartitions.get(stage.name);
        if (actual.get(changelog) !== expected) {
          throw new CdstreamError(
            'COPARTITIONING',
            `changelog ${changelog} has ${actual.get(changelog)} partitions but stage "${stage.name}" reads ${expected}; state cannot follow its partitions (recreate the changelog or the inputs)`,
          );
        }
      }
    }
  }

  private repartitionCount(
    logical: string,
    stagePartitions: Map<string, number>,
  ): number | undefined {
    const writer = this.options.topology.stages.find((stage) =>
      Object.values(stage.outputs).some((output) => output.repartition && output.topic === logical),
    );
    return writer ? stagePartitions.get(writer.name) : undefined;
  }

  private checkCoPartitioned(stage: StageDefinition, inputCounts: readonly number[]): void {
    if (new Set(inputCounts).size <= 1) return;
    const detail = stage.inputs
      .map((input, i) => `${this.names.topic(input)}=${inputCounts[i]}`)
      .join(', ');
    throw new CdstreamError(
      'COPARTITIONING',
      `stage "${stage.name}" reads topics that must be co-partitioned but have different partition counts (${detail})`,
    );
  }
}
