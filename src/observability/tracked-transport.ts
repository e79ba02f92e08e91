/**
 * A transport that remembers the consumer groups the worker runs, so that
 * observability can ask for their lag and know when one is rebalancing,
 * without the engine exposing either. Every call goes to the wrapped
 * transport unchanged.
 */
import type {
  PartitionLag,
  RestoreRequest,
  StageConsumer,
  StageConsumerHandlers,
  StreamTransport,
  TaskProducer,
  TopicSpec,
} from '../runtime/transport.js';
import type { ConsumerLagSample } from './metrics.js';

interface GroupState {
  readonly topics: readonly string[];
  /** from a rebalance starting until the group assigns partitions again */
  rebalancing: boolean;
}

export class TrackedTransport implements StreamTransport {
  private readonly groups = new Map<string, GroupState>();
  private closed = false;

  constructor(private readonly inner: StreamTransport) {}

  isTransient(error: unknown): boolean {
    return this.inner.isTransient(error);
  }

  /** groups that are running, with the topics they read */
  get consumerGroups(): { groupId: string; topics: readonly string[] }[] {
    return [...this.groups].map(([groupId, { topics }]) => ({ groupId, topics }));
  }

  /** groups between the start of a rebalance and their new assignment */
  get rebalancingGroups(): string[] {
    return [...this.groups].filter(([, state]) => state.rebalancing).map(([groupId]) => groupId);
  }

  /** lag of every running group on every partition of its topics */
  async allConsumerLag(): Promise<ConsumerLagSample[]> {
    // a scrape after close would reconnect the admin client and keep the process alive
    if (this.closed) return [];
    const perGroup = await Promise.all(
      this.consumerGroups.map(async ({ groupId, topics }) =>
        (await this.inner.consumerLag(groupId, topics)).map((lag) => ({ group: groupId, ...lag })),
      ),
    );
    return perGroup.flat();
  }

  async runStageConsumer(
    groupId: string,
    topics: readonly string[],
    handlers: StageConsumerHandlers,
    options: { partitionsConsumedConcurrently: number },
  ): Promise<StageConsumer> {
    const state: GroupState = { topics: [...topics], rebalancing: false };
    this.groups.set(groupId, state);
    try {
      const consumer = await this.inner.runStageConsumer(
        groupId,
        topics,
        {
          ...handlers,
          onAssigned: (partitions) => {
            state.rebalancing = false;
            handlers.onAssigned(partitions);
          },
          onRebalancing: () => {
            state.rebalancing = true;
            handlers.onRebalancing();
          },
        },
        options,
      );
      return {
        seek: (topic, partition, offset) => {
          consumer.seek(topic, partition, offset);
        },
        pause: (topic, partition) => {
          consumer.pause(topic, partition);
        },
        resume: (topic, partition) => {
          consumer.resume(topic, partition);
        },
        stop: async () => {
          this.forget(groupId, state);
          await consumer.stop();
        },
      };
    } catch (error) {
      this.forget(groupId, state);
      throw error;
    }
  }

  ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    return this.inner.ensureTopics(topics);
  }

  partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    return this.inner.partitionCounts(topics);
  }

  recordBatchLimits(topics: readonly string[]): Promise<Map<string, number>> {
    return this.inner.recordBatchLimits(topics);
  }

  committedOffsets(groupId: string, topic: string): Promise<Map<number, string>> {
    return this.inner.committedOffsets(groupId, topic);
  }

  consumerLag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
    return this.inner.consumerLag(groupId, topics);
  }

  createTaskProducer(
    transactionalId: string,
    consumerGroupId: string,
    recordBatchLimitOf?: (topic: string) => number | undefined,
  ): Promise<TaskProducer> {
    return this.inner.createTaskProducer(transactionalId, consumerGroupId, recordBatchLimitOf);
  }

  restore(request: RestoreRequest): Promise<{ records: number }> {
    return this.inner.restore(request);
  }

  close(): Promise<void> {
    this.closed = true;
    return this.inner.close();
  }

  private forget(groupId: string, state: GroupState): void {
    if (this.groups.get(groupId) === state) this.groups.delete(groupId);
  }
}
