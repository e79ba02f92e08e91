/**
 * Prometheus metrics of a worker, on a registry of its own (not prom-client's
 * global one, so that tests and several workers in one process do not mix).
 *
 * Label values come only from the topology (stage names), closed sets
 * (outcomes, error codes) and Kafka coordinates, so cardinality is bounded
 * and no label can carry a secret.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ERROR_CODES, type ErrorCode } from '../errors.js';
import type { RuntimeListener } from '../runtime/observer.js';

export const RECORD_OUTCOMES = [
  'processed',
  'dead-lettered',
  'duplicate',
  'late',
  'unvalidated-passed',
] as const;
export type RecordOutcome = (typeof RECORD_OUTCOMES)[number];

export interface ConsumerLagSample {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
}

export type ConsumerLagProvider = () => Promise<readonly ConsumerLagSample[]>;

/** One task's event time, as the worker reports it at scrape time. */
export interface WatermarkSample {
  readonly stage: string;
  readonly partition: number;
  /** epoch ms; -Infinity while unknown */
  readonly watermark: number;
  /** upstream tasks at the minimum or that never reported */
  readonly holdingBack: readonly string[];
  readonly held: number;
  readonly violations: number;
  readonly regressions: number;
}

export interface MetricsOptions {
  /** asked on every scrape; a failure or timeout leaves the lag gauge empty for that scrape */
  readonly consumerLag?: ConsumerLagProvider;
  /** worker readiness, asked on every scrape */
  readonly ready?: () => boolean;
  /** the running tasks' watermarks, asked on every scrape */
  readonly watermarks?: () => readonly WatermarkSample[];
  /** how long a scrape waits for the lag, ms */
  readonly lagTimeoutMs?: number;
  /** Node process metrics (CPU, memory, event loop, GC); default true */
  readonly processMetrics?: boolean;
}

const TRANSACTION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const RESTORE_BUCKETS = [0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600];
const MAX_LABEL_LENGTH = 120;

/** Stage and event names are code, but a label must stay short and printable whatever it is given. */
function label(value: string): string {
  return value.replace(/[^\w.:/@-]/g, '_').slice(0, MAX_LABEL_LENGTH);
}

function errorCode(code: string): string {
  return Object.hasOwn(ERROR_CODES, code) ? code : 'OTHER';
}

/** Task ids are `<stage>-<partition>`. */
function stageOfTask(taskId: string): string {
  return label(taskId.replace(/-\d+$/, ''));
}

export class CdstreamMetrics {
  readonly registry = new Registry();
  private readonly records: Counter<'stage' | 'outcome' | 'code'>;
  private readonly stageEvents: Counter<'stage' | 'event'>;
  private readonly restoreSeconds: Histogram<'stage'>;
  private readonly restoredRecords: Counter<'stage'>;
  private readonly transactions: Counter<'stage' | 'result'>;
  private readonly transactionSeconds: Histogram<'stage'>;
  private readonly committedRecords: Counter<'stage' | 'kind'>;
  private readonly retries: Counter<'stage' | 'code'>;
  private readonly deadLetters: Counter<'stage' | 'code'>;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.records = new Counter({
      name: 'cdstream_records_total',
      help: 'Records read, by what became of them (processed, dead-lettered, duplicate, late, unvalidated-passed) and error code',
      labelNames: ['stage', 'outcome', 'code'],
      registers,
    });
    this.stageEvents = new Counter({
      name: 'cdstream_stage_events_total',
      help: 'Events a stage reports: windows emitted, incidents opened or resolved, …',
      labelNames: ['stage', 'event'],
      registers,
    });
    this.restoreSeconds = new Histogram({
      name: 'cdstream_restore_seconds',
      help: 'Time to restore the state stores of newly assigned tasks from their changelogs',
      labelNames: ['stage'],
      buckets: RESTORE_BUCKETS,
      registers,
    });
    this.restoredRecords = new Counter({
      name: 'cdstream_restored_records_total',
      help: 'Changelog records read while restoring state',
      labelNames: ['stage'],
      registers,
    });
    this.transactions = new Counter({
      name: 'cdstream_transactions_total',
      help: 'Kafka transactions by result (committed or aborted)',
      labelNames: ['stage', 'result'],
      registers,
    });
    this.transactionSeconds = new Histogram({
      name: 'cdstream_transaction_duration_seconds',
      help: 'Duration of committed transactions (produce, send offsets, commit)',
      labelNames: ['stage'],
      buckets: TRANSACTION_BUCKETS,
      registers,
    });
    this.committedRecords = new Counter({
      name: 'cdstream_committed_records_total',
      help: 'Records written by committed transactions, by kind (output or changelog)',
      labelNames: ['stage', 'kind'],
      registers,
    });
    this.retries = new Counter({
      name: 'cdstream_retries_total',
      help: 'Records retried because a service was away, by error code',
      labelNames: ['stage', 'code'],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'cdstream_dead_letters_total',
      help: "Dead-letter records committed, by the stage that wrote them and error code (the runtime's own, such as PROCESSING_FAILED in the join or aggregate, included)",
      labelNames: ['stage', 'code'],
      registers,
    });
    this.registerLag(options);
    this.registerReadiness(options.ready);
    this.registerWatermarks(options.watermarks);
  }

  /** The engine's events as metrics; pass it as the worker's listener. */
  runtimeListener(): RuntimeListener {
    return {
      restored: ({ stage, records, ms }) => {
        this.restoreSeconds.observe({ stage: label(stage) }, ms / 1000);
        this.restoredRecords.inc({ stage: label(stage) }, records);
      },
      committed: ({ taskId, records, changelog, ms, deadLetters }) => {
        const stage = stageOfTask(taskId);
        for (const [code, count] of deadLetters) {
          this.deadLetters.inc({ stage, code: errorCode(code) }, count);
        }
        this.transactions.inc({ stage, result: 'committed' });
        this.transactionSeconds.observe({ stage }, ms / 1000);
        this.committedRecords.inc({ stage, kind: 'output' }, records);
        this.committedRecords.inc({ stage, kind: 'changelog' }, changelog);
      },
      aborted: ({ taskId }) => {
        this.transactions.inc({ stage: stageOfTask(taskId), result: 'aborted' });
      },
      retrying: ({ taskId, code }) => {
        this.retries.inc({ stage: stageOfTask(taskId), code: errorCode(code) });
      },
    };
  }

  /** Accounts for one record read; `code` says why it was dead-lettered (or passed unvalidated). */
  recordOutcome(stage: string, outcome: RecordOutcome, code?: ErrorCode): void {
    this.records.inc({
      stage: label(stage),
      outcome,
      ...(code === undefined ? {} : { code: errorCode(code) }),
    });
  }

  /** A stage event such as `windows-emitted` or `incidents-opened`; names are code, never data. */
  count(stage: string, event: string, by = 1): void {
    this.stageEvents.inc({ stage: label(stage), event: label(event) }, by);
  }

  /** The Prometheus text exposition of every metric. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /**
   * Both lag metrics of one scrape (prom-client collects them concurrently)
   * and concurrent scrapes share one read, so the brokers see one request.
   */
  private lagRead(
    options: MetricsOptions,
  ): () => Promise<readonly ConsumerLagSample[] | undefined> {
    const provider = options.consumerLag;
    const timeoutMs = options.lagTimeoutMs ?? 5_000;
    let inFlight: Promise<readonly ConsumerLagSample[] | undefined> | undefined;
    return () => {
      if (!provider) return Promise.resolve([]);
      inFlight ??= withTimeout(provider(), timeoutMs)
        .catch(() => undefined)
        .finally(() => {
          inFlight = undefined;
        });
      return inFlight;
    };
  }

  private registerLag(options: MetricsOptions): void {
    const read = this.lagRead(options);
    new Gauge({
      name: 'cdstream_consumer_lag',
      help: 'Records between the consumer group’s committed offset and the end of the partition, read at scrape time',
      labelNames: ['group', 'topic', 'partition'],
      registers: [this.registry],
      // every worker of a host reads its groups' whole lag: one of them is the figure
      aggregator: 'max',
      async collect() {
        const samples = await read();
        this.reset();
        for (const sample of samples ?? []) {
          this.set(
            {
              group: label(sample.group),
              topic: label(sample.topic),
              partition: String(sample.partition),
            },
            sample.lag,
          );
        }
      },
    });
    new Counter({
      name: 'cdstream_consumer_lag_errors_total',
      help: 'Scrapes whose consumer lag could not be read in time (the lag gauge is then empty)',
      registers: [this.registry],
      async collect() {
        if ((await read()) === undefined) this.inc();
      },
    });
  }

  private registerWatermarks(read: (() => readonly WatermarkSample[]) | undefined): void {
    const registers = [this.registry];
    const perTask = (
      name: string,
      help: string,
      value: (sample: WatermarkSample) => number | undefined,
    ) =>
      new Gauge({
        name,
        help,
        labelNames: ['stage', 'partition'],
        registers,
        // a task runs on one worker; while it moves, the newer worker's figure is not smaller
        aggregator: 'max',
        collect() {
          this.reset();
          for (const sample of read?.() ?? []) {
            const current = value(sample);
            if (current === undefined) continue;
            this.set({ stage: label(sample.stage), partition: String(sample.partition) }, current);
          }
        },
      });
    perTask(
      'cdstream_watermark_seconds',
      'Event time a task has been promised no earlier record will follow (epoch seconds); absent while unknown',
      (sample) => (Number.isFinite(sample.watermark) ? sample.watermark / 1000 : undefined),
    );
    perTask(
      'cdstream_watermark_held_records',
      'Records a task holds until the watermark passes them (event-time order)',
      (sample) => sample.held,
    );
    perTask(
      'cdstream_watermark_violations',
      'Records that came below a watermark already promised, since the task started: a defect upstream; must stay 0',
      (sample) => sample.violations,
    );
    perTask(
      'cdstream_watermark_regressions',
      'Upstream watermark reports that went backwards, since the task started; must stay 0',
      (sample) => sample.regressions,
    );
    new Gauge({
      name: 'cdstream_watermark_held_back_by',
      help: '1 for each upstream task that holds a task back: at the minimum of its upstream watermarks, or never reported',
      labelNames: ['stage', 'partition', 'upstream'],
      registers,
      aggregator: 'max',
      collect() {
        this.reset();
        for (const sample of read?.() ?? []) {
          for (const upstream of sample.holdingBack) {
            this.set(
              {
                stage: label(sample.stage),
                partition: String(sample.partition),
                upstream: label(upstream),
              },
              1,
            );
          }
        }
      },
    });
  }

  private registerReadiness(ready: (() => boolean) | undefined): void {
    new Gauge({
      name: 'cdstream_worker_ready',
      help: '1 when every assigned task is restored and processing, else 0 (a host of several workers: when all of them are)',
      registers: [this.registry],
      aggregator: 'min',
      collect() {
        this.set(ready?.() ? 1 : 0);
      },
    });
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no answer within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
