/**
 * The TaskManager's order of a task's life against a scripted transport (no
 * broker: what is tested is the order of calls and what the task ends up
 * with, not Kafka's behaviour, which the integration tests cover).
 */
import { describe, expect, it } from 'vitest';
import type { RuntimeLogger } from '../../../src/runtime/observer.js';
import type { Processor, ProcessorContext } from '../../../src/runtime/processor.js';
import type { ProducedRecord } from '../../../src/runtime/record.js';
import { StageRunner } from '../../../src/runtime/stage-runner.js';
import { TaskManager } from '../../../src/runtime/task-manager.js';
import type { RawRecord } from '../../../src/runtime/task.js';
import { DEFAULT_RUNNER_SETTINGS, type TaskSlot } from '../../../src/runtime/task-slot.js';
import { TopologyNames, type Topology } from '../../../src/runtime/topology.js';
import type {
  BatchContext,
  OffsetCommit,
  RestoreRequest,
  StageConsumer,
  StageConsumerHandlers,
  StreamTransport,
  TaskProducer,
} from '../../../src/runtime/transport.js';

const quiet: RuntimeLogger = { debug() {}, info() {}, warn() {}, error() {} };

class CountingProcessor implements Processor {
  process(): void {
    // nothing: the test looks at the task's state and commits
  }
}

const topology: Topology = {
  applicationId: 'app',
  stages: [
    {
      name: 'count',
      inputs: ['in'],
      outputs: { out: { topic: 'out' } },
      stores: [{ name: 'counts', kind: 'key-value' }],
      processor: () => new CountingProcessor(),
    },
  ],
};

/** Calls in order, a changelog to restore from, committed offsets, and commits that may fail. */
class ScriptedTransport implements Pick<
  StreamTransport,
  'createTaskProducer' | 'restore' | 'committedOffsets' | 'consumerLag'
> {
  readonly calls: string[] = [];
  readonly changelog = new Map<string, { key: string; value: Buffer | null }[]>();
  readonly committed = new Map<number, string>();
  readonly transactions: {
    records: readonly ProducedRecord[];
    offsets: readonly OffsetCommit[];
  }[] = [];
  /** records sent into the open transaction, per send */
  readonly sends: number[] = [];
  failNextCommit: Error | undefined;
  failNextSend: Error | undefined;
  /** when set, the next commit says it started, then fails when `failure` resolves */
  holdNextCommit: { started: () => void; failure: Promise<Error> } | undefined;
  /** what the stage runner gave its consumer */
  handlers: StageConsumerHandlers | undefined;
  /** a producer of this transactional id is created only once the promise resolves */
  readonly producerGates = new Map<string, Promise<void>>();
  /** the next creation of a producer of this transactional id fails so */
  readonly producerFailures = new Map<string, Error>();

  async createTaskProducer(transactionalId: string): Promise<TaskProducer> {
    this.calls.push(`producer ${transactionalId}`);
    await this.producerGates.get(transactionalId);
    const failure = this.producerFailures.get(transactionalId);
    this.producerFailures.delete(transactionalId);
    if (failure) throw failure;
    let open: ProducedRecord[] = [];
    return {
      send: (records) => {
        const failure = this.failNextSend;
        this.failNextSend = undefined;
        if (failure) {
          open = [];
          return Promise.reject(failure);
        }
        this.sends.push(records.length);
        open.push(...records);
        return Promise.resolve();
      },
      commitTransaction: (records, offsets) => {
        const sent = open;
        open = [];
        const held = this.holdNextCommit;
        this.holdNextCommit = undefined;
        if (held) {
          held.started();
          return held.failure.then((failure) => Promise.reject(failure));
        }
        const failure = this.failNextCommit;
        this.failNextCommit = undefined;
        if (failure) return Promise.reject(failure);
        this.transactions.push({ records: [...sent, ...records], offsets });
        return Promise.resolve();
      },
      close: () => {
        this.calls.push(`close ${transactionalId}`);
        return Promise.resolve();
      },
    };
  }

  restore(request: RestoreRequest): Promise<{ records: number }> {
    this.calls.push(`restore ${request.partitions.join(',')}`);
    let records = 0;
    for (const topic of request.topics) {
      for (const partition of request.partitions) {
        for (const entry of this.changelog.get(`${topic}/${partition}`) ?? []) {
          request.apply(topic, partition, entry.key, entry.value);
          records++;
        }
      }
    }
    return Promise.resolve({ records });
  }

  committedOffsets(): Promise<Map<number, string>> {
    this.calls.push('committed offsets');
    return Promise.resolve(new Map(this.committed));
  }

  consumerLag() {
    return Promise.resolve([]);
  }

  runStageConsumer(
    _groupId: string,
    _topics: readonly string[],
    handlers: StageConsumerHandlers,
  ): Promise<StageConsumer> {
    this.handlers = handlers;
    return Promise.resolve({
      seek() {},
      pause() {},
      resume() {},
      stop: () => Promise.resolve(),
    });
  }
}

/** Forwards `count` records at each wall-clock punctuation, yielding after each. */
class ClosingProcessor implements Processor {
  constructor(private readonly count: number) {}

  init(context: ProcessorContext): void {
    const count = this.count;
    context.schedule('wall-clock', 0, function* () {
      for (let i = 0; i < count; i++) {
        context.forward('out', { key: null, value: String(i) });
        yield;
      }
    });
  }

  process(): void {
    // nothing: only the punctuation forwards
  }
}

const closing = (count: number): Topology => ({
  applicationId: 'app',
  stages: [
    {
      ...(topology.stages[0] as Topology['stages'][number]),
      processor: () => new ClosingProcessor(count),
    },
  ],
});

function managerOn(
  transport: ScriptedTransport,
  seeks: string[],
  on: Topology = topology,
  now: () => number = () => 1_000,
) {
  return new TaskManager({
    stage: on.stages[0] as Topology['stages'][number],
    names: new TopologyNames(on),
    transport: transport as unknown as StreamTransport,
    settings: { ...DEFAULT_RUNNER_SETTINGS, retryInitialMs: 1, retryMaxMs: 2 },
    logger: quiet,
    listener: {},
    groupId: 'app-count',
    partitionsOf: () => 2,
    seek: (topic, partition, offset) => seeks.push(`${topic}/${partition}@${offset}`),
    now,
  });
}

/** One record of `topic`, partition 0, offset 0. */
const recordOf = (topic: string): RawRecord => ({
  topic,
  partition: 0,
  offset: '0',
  key: null,
  value: Buffer.from('x'),
  headers: {},
  recordTimestamp: 5,
});

const running = async (manager: TaskManager, partition: number) => {
  const slot = manager.slots.get(partition);
  await slot?.ready;
  return manager.slots.get(partition);
};

describe('TaskManager', () => {
  it('fences (creates the producer), restores, then reads the committed offset and seeks there', async () => {
    const transport = new ScriptedTransport();
    transport.changelog.set('app-counts-changelog/1', [{ key: 'a', value: Buffer.from('3') }]);
    transport.committed.set(1, '42');
    const seeks: string[] = [];
    const manager = managerOn(transport, seeks);
    manager.onAssigned([1]);
    const slot = await running(manager, 1);
    expect(slot?.state).toBe('running');
    expect(transport.calls).toEqual(['producer app-count-in-1', 'restore 1', 'committed offsets']);
    expect(seeks).toEqual(['in/1@42']);
    expect(slot?.task.storeSizes().counts).toBe(1);
  });

  it('rebuilds a task from its changelog after a failed transaction', async () => {
    const transport = new ScriptedTransport();
    const manager = managerOn(transport, []);
    manager.onAssigned([0]);
    const first = await running(manager, 0);
    await first?.task.process(recordOf('in'));
    transport.failNextCommit = new Error('broker went away');
    await manager.commit(first as NonNullable<typeof first>);
    expect(first?.state).toBe('released');
    const successor = manager.slots.get(0);
    expect(successor).not.toBe(first);
    await successor?.ready;
    expect(successor?.state).toBe('running');
    expect(transport.calls.filter((call) => call.startsWith('restore'))).toEqual([
      'restore 0',
      'restore 0',
    ]);
    expect(transport.transactions).toEqual([]);
  });

  it('commits a transaction with outputs after commitInterval, one with only state and offsets after stateOnlyCommitInterval', async () => {
    let now = 1_000;
    const forwarding: Topology = {
      applicationId: 'app',
      stages: [
        {
          ...(topology.stages[0] as Topology['stages'][number]),
          processor: () => ({
            process: (record, context) => {
              if (record.value?.toString() === 'out') {
                context.forward('out', { key: null, value: 'o' });
              }
            },
          }),
        },
      ],
    };
    const manager = managerOn(new ScriptedTransport(), [], forwarding, () => now);
    manager.onAssigned([0]);
    const slot = (await running(manager, 0)) as TaskSlot;
    const { commitIntervalMs, stateOnlyCommitIntervalMs } = DEFAULT_RUNNER_SETTINGS;
    expect(stateOnlyCommitIntervalMs).toBeGreaterThan(commitIntervalMs);

    const since = now;
    await slot.task.process({ ...recordOf('in'), value: Buffer.from('state only') });
    now = since + commitIntervalMs;
    expect(manager.commitDue(slot)).toBe(false);
    now = since + stateOnlyCommitIntervalMs - 1;
    expect(manager.commitDue(slot)).toBe(false);
    // an output joins the open transaction: it is due at commitInterval again
    await slot.task.process({ ...recordOf('in'), offset: '1', value: Buffer.from('out') });
    expect(manager.commitDue(slot)).toBe(true);
    await manager.commit(slot);
    expect(manager.commitDue(slot)).toBe(false);

    const committedAt = now;
    await slot.task.process({ ...recordOf('in'), offset: '2', value: Buffer.from('state only') });
    now = committedAt + stateOnlyCommitIntervalMs;
    expect(manager.commitDue(slot)).toBe(true);
  });

  it('sends what a punctuation forwards into the open transaction in runs, and commits the rest with it', async () => {
    const transport = new ScriptedTransport();
    const manager = managerOn(transport, [], closing(2_500));
    manager.onAssigned([0]);
    const slot = (await running(manager, 0)) as TaskSlot;
    await expect(manager.runSending(slot, () => slot.task.punctuate())).resolves.toBe(true);
    expect(transport.sends).toEqual([1_000, 1_000]);
    expect(transport.transactions).toEqual([]);
    expect(manager.commitDue(slot)).toBe(true);
    await manager.commit(slot);
    expect(transport.transactions).toHaveLength(1);
    const values = transport.transactions[0]?.records.map((record) => record.value);
    expect(values).toEqual(Array.from({ length: 2_500 }, (_, i) => String(i)));
    expect(manager.commitDue(slot)).toBe(false);
  });

  it('rebuilds a task whose open transaction failed to take what it sent', async () => {
    const transport = new ScriptedTransport();
    const manager = managerOn(transport, [], closing(1_500));
    manager.onAssigned([0]);
    const first = (await running(manager, 0)) as TaskSlot;
    transport.failNextSend = new Error('broker went away');
    await expect(manager.runSending(first, () => first.task.punctuate())).resolves.toBe(false);
    expect(first.state).toBe('released');
    const successor = manager.slots.get(0);
    expect(successor).not.toBe(first);
    await successor?.ready;
    expect(successor?.state).toBe('running');
    expect(transport.calls.filter((call) => call.startsWith('restore'))).toHaveLength(2);
    expect(transport.transactions).toEqual([]);
  });

  it('commits and closes a revoked task, and keeps a retained one where it was', async () => {
    const transport = new ScriptedTransport();
    const seeks: string[] = [];
    const manager = managerOn(transport, seeks);
    manager.onAssigned([0, 1]);
    await running(manager, 0);
    const retained = await running(manager, 1);
    retained?.positions.set('in', 7n);
    seeks.length = 0;
    manager.onAssigned([1]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(manager.assignedPartitions).toEqual([1]);
    expect(manager.slots.get(1)).toBe(retained);
    expect(seeks).toEqual(['in/1@7']);
    expect(transport.calls).toContain('close app-count-in-0');
  });

  it('closes a producer that was still being created when its task was revoked', async () => {
    const transport = new ScriptedTransport();
    let create: () => void = () => undefined;
    transport.producerGates.set('app-count-in-0', new Promise((resolve) => (create = resolve)));
    const manager = managerOn(transport, []);
    manager.onAssigned([0, 1]);
    const revoked = manager.slots.get(0) as TaskSlot;
    manager.onAssigned([1]);
    create();
    await running(manager, 1);
    // the revoked creation settles in the same attempt as partition 1's
    expect(revoked.state).toBe('released');
    expect(revoked.producer).toBeUndefined();
    expect(transport.calls.filter((call) => call.endsWith('app-count-in-0'))).toEqual([
      'producer app-count-in-0',
      'close app-count-in-0',
    ]);
  });

  it('retries a failed start only once every producer of the attempt is created, one producer per task', async () => {
    const transport = new ScriptedTransport();
    transport.producerFailures.set('app-count-in-0', new Error('not the leader'));
    // partition 1's producer takes longer than the first retry's backoff (1 ms)
    transport.producerGates.set(
      'app-count-in-1',
      new Promise((resolve) => setTimeout(resolve, 20)),
    );
    const manager = managerOn(transport, []);
    manager.onAssigned([0, 1]);
    const [zero, one] = [await running(manager, 0), await running(manager, 1)];
    expect([zero?.state, one?.state]).toEqual(['running', 'running']);
    const producers = transport.calls.filter((call) => call.startsWith('producer'));
    expect(producers.filter((call) => call === 'producer app-count-in-1')).toHaveLength(1);
    expect(producers.filter((call) => call === 'producer app-count-in-0')).toHaveLength(2);
    expect(transport.calls.filter((call) => call.startsWith('close'))).toEqual([]);
  });

  it('commits past offsets a fetch found to hold only markers, from a position inside them only', async () => {
    const transport = new ScriptedTransport();
    const runner = new StageRunner(
      topology.stages[0] as Topology['stages'][number],
      new TopologyNames(topology),
      transport as unknown as StreamTransport,
      { ...DEFAULT_RUNNER_SETTINGS, commitIntervalMs: 0, stateOnlyCommitIntervalMs: 0 },
      quiet,
      {},
      () => 1,
      () => 1_000,
    );
    await runner.start(() => undefined);
    const handlers = transport.handlers as StageConsumerHandlers;
    handlers.onAssigned([0]);
    while (runner.runningPartitions.length === 0) await new Promise((r) => setTimeout(r, 1));
    const committedOffsets = () => transport.transactions.flatMap((t) => t.offsets);

    // offset 0 holds a record, 1 and 2 its transaction's marker and an aborted record, 3 a marker
    await handlers.onBatch('in', 0, [recordOf('in')], {
      heartbeat: () => Promise.resolve(),
      isStale: () => false,
      nextOffset: '1',
      highWatermark: '4',
    });
    expect(committedOffsets().at(-1)).toEqual({ topic: 'in', partition: 0, offset: '1' });

    // a fetch from further on than the position leaves offsets unseen: no move
    await handlers.onNoData('in', 0, { firstOffset: '2', nextOffset: '4', highWatermark: '4' });
    expect(committedOffsets().at(-1)?.offset).toBe('1');

    await handlers.onNoData('in', 0, { firstOffset: '1', nextOffset: '4', highWatermark: '4' });
    expect(committedOffsets().at(-1)).toEqual({ topic: 'in', partition: 0, offset: '4' });

    // an older fetch never moves it back
    const transactions = transport.transactions.length;
    await handlers.onNoData('in', 0, { firstOffset: '1', nextOffset: '2', highWatermark: '4' });
    expect(transport.transactions).toHaveLength(transactions);
    await runner.stop();
  });

  it('does not give a record that waited for a failing commit to the closed task', async () => {
    // a stage reading two topics: a batch of one waits for the lock while
    // the other's commit holds it, and that commit fails
    const twoInputs: Topology = {
      applicationId: 'app',
      stages: [{ ...(topology.stages[0] as Topology['stages'][number]), inputs: ['in', 'more'] }],
    };
    const transport = new ScriptedTransport();
    const runner = new StageRunner(
      twoInputs.stages[0] as Topology['stages'][number],
      new TopologyNames(twoInputs),
      transport as unknown as StreamTransport,
      { ...DEFAULT_RUNNER_SETTINGS, commitMaxRecords: 1, commitIntervalMs: 60_000 },
      quiet,
      {},
      () => 1,
      () => 1_000,
    );
    const fatal: Error[] = [];
    await runner.start((error) => fatal.push(error));
    const handlers = transport.handlers as StageConsumerHandlers;
    handlers.onAssigned([0]);
    while (runner.runningPartitions.length === 0) await new Promise((r) => setTimeout(r, 1));

    const context: BatchContext = {
      heartbeat: () => Promise.resolve(),
      isStale: () => false,
      nextOffset: '1',
      highWatermark: '1',
    };
    let failCommit: (error: Error) => void = () => undefined;
    const commitStarted = new Promise<void>((started) => {
      transport.holdNextCommit = {
        started,
        failure: new Promise((resolve) => (failCommit = resolve)),
      };
    });
    // the first record reaches commitMaxRecords: its commit holds the lock, waiting
    const first = handlers.onBatch('in', 0, [recordOf('in')], context);
    await commitStarted;
    const second = handlers.onBatch('more', 0, [recordOf('more')], context);
    // every microtask has run once an immediate fires: the second waits for the lock
    await new Promise((resolve) => setImmediate(resolve));
    failCommit(new Error('broker went away'));

    await expect(Promise.all([first, second])).resolves.toBeDefined();
    expect(fatal).toEqual([]);
    await runner.stop();
  });
});
