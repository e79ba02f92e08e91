/**
 * kafkajs 2.2.4 with its group and transaction coordinators remembered.
 *
 * kafkajs asks a broker to find the coordinator (a FindCoordinator request,
 * kafkajs' `GroupCoordinator`) before every request that goes to one: a
 * transactional producer asks before AddPartitionsToTxn, AddOffsetsToTxn,
 * TxnOffsetCommit and EndTxn, so each commit of a task waited for four
 * extra round trips. Counted in a live run of the pipeline at 2,200
 * events/s: 43% of the producers' requests were these lookups, every one
 * answered with the same broker.
 *
 * The replacement remembers which broker coordinates a (group or
 * transactional id, coordinator type) for each client, and asks again
 * only when it must: after any coordinator-bound request failed because
 * that broker is not (or no longer) the coordinator or could not be
 * reached, or when the remembered broker is no longer in the metadata.
 * Those failures are the ones kafkajs' callers retry, so their retry finds
 * the coordinator afresh, as before. A failure anywhere forgets every
 * remembered coordinator of the process: they are rare, and one lookup
 * more each is cheap.
 *
 * kafkajs' Cluster and Broker are loaded by the time this runs, so their
 * prototypes' methods are wrapped (every client made before or after).
 * coordinatorCacheInstalled() is false if kafkajs' method is not the one
 * this was written against (after an upgrade), and its test fails.
 */
import { kafkajsModule } from './kafkajs-module-cache.js';

const CLUSTER = 'src/cluster/index.js';
const BROKER = 'src/broker/index.js';
/** Marks the replacement so a test can tell it is the one kafkajs uses. */
export const COORDINATOR_CACHE = Symbol.for('cdstream.coordinatorCache');

/** Broker requests that go to a group or transaction coordinator. */
const COORDINATOR_REQUESTS = [
  'joinGroup',
  'syncGroup',
  'heartbeat',
  'leaveGroup',
  'offsetCommit',
  'offsetFetch',
  'describeGroups',
  'deleteGroups',
  'initProducerId',
  'addPartitionsToTxn',
  'addOffsetsToTxn',
  'txnOffsetCommit',
  'endTxn',
] as const;

/** Protocol errors that say the broker asked is not the coordinator now. */
const NOT_THE_COORDINATOR: ReadonlySet<string> = new Set([
  'GROUP_COORDINATOR_NOT_AVAILABLE', // 15, COORDINATOR_NOT_AVAILABLE in Kafka's own names
  'NOT_COORDINATOR_FOR_GROUP', // 16, NOT_COORDINATOR
]);
/** kafkajs' errors for a broker that could not be reached or did not answer. */
const UNREACHABLE: ReadonlySet<string> = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
]);

/** True for a failure after which the coordinator has to be looked up again. */
export function invalidatesCoordinator(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { type, name, code } = error as { type?: unknown; name?: unknown; code?: unknown };
  return (
    (typeof type === 'string' && NOT_THE_COORDINATOR.has(type)) ||
    (typeof name === 'string' && UNREACHABLE.has(name)) ||
    code === 'ECONNREFUSED'
  );
}

interface Remembered {
  readonly nodeId: number;
  readonly epoch: number;
}

/**
 * Coordinators by client (kafkajs Cluster) and key. Bumping the epoch forgets
 * them all at once.
 */
export class CoordinatorMemory {
  private epoch = 0;
  private readonly byClient = new WeakMap<object, Map<string, Remembered>>();

  recall(client: object, key: string): number | undefined {
    const remembered = this.byClient.get(client)?.get(key);
    return remembered !== undefined && remembered.epoch === this.epoch
      ? remembered.nodeId
      : undefined;
  }

  remember(client: object, key: string, nodeId: number): void {
    let known = this.byClient.get(client);
    if (!known) this.byClient.set(client, (known = new Map<string, Remembered>()));
    known.set(key, { nodeId, epoch: this.epoch });
  }

  forget(client: object, key: string): void {
    this.byClient.get(client)?.delete(key);
  }

  forgetAll(): void {
    this.epoch++;
  }
}

export const coordinators = new CoordinatorMemory();

type AsyncMethod = (this: object, ...args: unknown[]) => Promise<unknown>;

/** `request`, forgetting every coordinator when it fails in a way that may mean it moved. */
export function forgettingOnFailure(request: AsyncMethod, memory = coordinators): AsyncMethod {
  return async function (this: object, ...args: unknown[]) {
    try {
      return await request.apply(this, args);
    } catch (error) {
      if (invalidatesCoordinator(error)) memory.forgetAll();
      throw error;
    }
  };
}

interface CoordinatorQuery {
  readonly groupId: string;
  readonly coordinatorType?: number;
}
interface Cluster {
  findBroker(query: { nodeId: number }): Promise<{ nodeId: number | null }>;
}
type FindGroupCoordinator = (
  this: Cluster,
  query: CoordinatorQuery,
) => Promise<{ nodeId: number | null }>;

/** kafkajs' findGroupCoordinator, asked only for a coordinator not remembered. */
export function rememberingCoordinators(
  find: FindGroupCoordinator,
  memory = coordinators,
): FindGroupCoordinator {
  async function findGroupCoordinator(this: Cluster, query: CoordinatorQuery) {
    const key = `${query.coordinatorType ?? 0}:${query.groupId}`;
    const nodeId = memory.recall(this, key);
    if (nodeId !== undefined) {
      try {
        return await this.findBroker({ nodeId });
      } catch {
        memory.forget(this, key); // gone from the metadata: ask again
      }
    }
    const broker = await find.call(this, query);
    if (typeof broker.nodeId === 'number') memory.remember(this, key, broker.nodeId);
    return broker;
  }
  Object.defineProperty(findGroupCoordinator, COORDINATOR_CACHE, { value: true });
  return findGroupCoordinator;
}

/** The lines of kafkajs 2.2.4's findGroupCoordinator this was written against. */
const KAFKAJS_METHOD = [
  'const { coordinator } = await this.findGroupCoordinatorMetadata({',
  'return await this.findBroker({ nodeId: coordinator.nodeId })',
];

const cluster = (kafkajsModule(CLUSTER) as { prototype: Record<string, unknown> }).prototype;
const broker = (kafkajsModule(BROKER) as { prototype: Record<string, unknown> }).prototype;
const original = cluster.findGroupCoordinator;
if (
  typeof original === 'function' &&
  KAFKAJS_METHOD.every((line) => original.toString().includes(line)) &&
  COORDINATOR_REQUESTS.every((name) => typeof broker[name] === 'function')
) {
  for (const name of COORDINATOR_REQUESTS) {
    broker[name] = forgettingOnFailure(broker[name] as AsyncMethod);
  }
  cluster.findGroupCoordinator = rememberingCoordinators(original as FindGroupCoordinator);
}

/** True when kafkajs' clients remember their coordinators with the replacement. */
export function coordinatorCacheInstalled(): boolean {
  const method = cluster.findGroupCoordinator;
  return typeof method === 'function' && COORDINATOR_CACHE in method;
}
