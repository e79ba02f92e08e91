import { describe, expect, it } from 'vitest';
import { CdstreamMetrics } from '../../../src/observability/metrics.js';

async function text(metrics: CdstreamMetrics): Promise<string> {
  return (await metrics.exposition()).body;
}

function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('CdstreamMetrics', () => {
  it('turns the engine events into per-stage metrics', async () => {
    const metrics = new CdstreamMetrics({ processMetrics: false });
    const listener = metrics.runtimeListener();
    listener.restored?.({ stage: 'join', partitions: [0, 1], records: 120, ms: 1500 });
    listener.committed?.({
      taskId: 'join-1',
      records: 3,
      changelog: 2,
      ms: 40,
      deadLetters: new Map([['PROCESSING_FAILED', 2]]),
    });
    listener.committed?.({
      taskId: 'join-0',
      records: 1,
      changelog: 0,
      ms: 10,
      deadLetters: new Map([
        ['PROCESSING_FAILED', 1],
        ['a code no one knows', 1],
      ]),
    });
    listener.aborted?.({ taskId: 'join-0', reason: 'broker went away' });
    listener.retrying?.({
      taskId: 'multi-part-stage-12',
      code: 'REGISTRY_UNAVAILABLE',
      attempt: 1,
      delayMs: 100,
    });
    const body = await text(metrics);

    expect(sample(body, 'cdstream_restore_seconds_sum{stage="join"}')).toBe(1.5);
    expect(sample(body, 'cdstream_restored_records_total{stage="join"}')).toBe(120);
    expect(sample(body, 'cdstream_transactions_total{stage="join",result="committed"}')).toBe(2);
    expect(sample(body, 'cdstream_transactions_total{stage="join",result="aborted"}')).toBe(1);
    expect(sample(body, 'cdstream_transaction_duration_seconds_count{stage="join"}')).toBe(2);
    expect(sample(body, 'cdstream_transaction_duration_seconds_sum{stage="join"}')).toBeCloseTo(
      0.05,
    );
    expect(sample(body, 'cdstream_committed_records_total{stage="join",kind="output"}')).toBe(4);
    expect(sample(body, 'cdstream_committed_records_total{stage="join",kind="changelog"}')).toBe(2);
    expect(
      sample(body, 'cdstream_retries_total{stage="multi-part-stage",code="REGISTRY_UNAVAILABLE"}'),
    ).toBe(1);
    expect(sample(body, 'cdstream_dead_letters_total{stage="join",code="PROCESSING_FAILED"}')).toBe(
      3,
    );
    expect(sample(body, 'cdstream_dead_letters_total{stage="join",code="OTHER"}')).toBe(1);
    // an aborted transaction's reason is free text: it never becomes a label
    expect(body).not.toContain('broker went away');
  });

  it('accounts for record outcomes with their error codes', async () => {
    const metrics = new CdstreamMetrics({ processMetrics: false });
    metrics.recordOutcome('ingest', 'processed');
    metrics.recordOutcome('ingest', 'processed');
    metrics.recordOutcome('ingest', 'dead-lettered', 'SCHEMA_VIOLATION');
    metrics.recordOutcome('ingest', 'duplicate');
    const body = await text(metrics);
    expect(sample(body, 'cdstream_records_total{stage="ingest",outcome="processed"}')).toBe(2);
    expect(
      sample(
        body,
        'cdstream_records_total{stage="ingest",outcome="dead-lettered",code="SCHEMA_VIOLATION"}',
      ),
    ).toBe(1);
    expect(sample(body, 'cdstream_records_total{stage="ingest",outcome="duplicate"}')).toBe(1);
  });

  it('maps a code outside the closed set to OTHER', async () => {
    const metrics = new CdstreamMetrics({ processMetrics: false });
    metrics
      .runtimeListener()
      .retrying?.({ taskId: 'x-0', code: 'password=hunter2', attempt: 1, delayMs: 1 });
    const body = await text(metrics);
    expect(sample(body, 'cdstream_retries_total{stage="x",code="OTHER"}')).toBe(1);
    expect(body).not.toContain('hunter2');
  });

  it('counts stage events and keeps labels short and printable', async () => {
    const metrics = new CdstreamMetrics({ processMetrics: false });
    metrics.count('aggregate', 'windows-emitted', 3);
    metrics.count('aggregate', 'incidents-opened');
    metrics.count('aggregate', `weird "name"\n${'x'.repeat(500)}`);
    const body = await text(metrics);
    expect(
      sample(body, 'cdstream_stage_events_total{stage="aggregate",event="windows-emitted"}'),
    ).toBe(3);
    expect(
      sample(body, 'cdstream_stage_events_total{stage="aggregate",event="incidents-opened"}'),
    ).toBe(1);
    const weird = body.split('\n').find((line) => line.includes('event="weird'));
    expect(weird).toMatch(/event="weird__name__x{107}"/);
  });

  it('reads the consumer lag on every scrape', async () => {
    let lag = 5;
    const metrics = new CdstreamMetrics({
      processMetrics: false,
      consumerLag: () =>
        Promise.resolve([
          { group: 'app-ingest', topic: 'cdstream.in', partition: 0, lag },
          { group: 'app-ingest', topic: 'cdstream.in', partition: 1, lag: 0 },
        ]),
    });
    const series = 'cdstream_consumer_lag{group="app-ingest",topic="cdstream.in",partition="0"}';
    expect(sample(await text(metrics), series)).toBe(5);
    lag = 2;
    const body = await text(metrics);
    expect(sample(body, series)).toBe(2);
    expect(
      sample(body, 'cdstream_consumer_lag{group="app-ingest",topic="cdstream.in",partition="1"}'),
    ).toBe(0);
  });

  it('answers a scrape when the lag cannot be read, and counts the failure', async () => {
    const metrics = new CdstreamMetrics({
      processMetrics: false,
      lagTimeoutMs: 20,
      consumerLag: () => new Promise(() => undefined),
    });
    const body = await text(metrics);
    expect(body).toContain('# TYPE cdstream_consumer_lag gauge');
    expect(body).not.toMatch(/^cdstream_consumer_lag\{/m);
    expect(sample(body, 'cdstream_consumer_lag_errors_total')).toBe(1);
  });

  it('shows the worker readiness', async () => {
    let ready = false;
    const metrics = new CdstreamMetrics({ processMetrics: false, ready: () => ready });
    expect(sample(await text(metrics), 'cdstream_worker_ready')).toBe(0);
    ready = true;
    expect(sample(await text(metrics), 'cdstream_worker_ready')).toBe(1);
  });

  it('adds Node process metrics on a registry of its own', async () => {
    const first = new CdstreamMetrics();
    const second = new CdstreamMetrics();
    first.count('s', 'e');
    expect(await text(first)).toContain('process_cpu_user_seconds_total');
    expect(await text(second)).not.toMatch(/^cdstream_stage_events_total\{/m);
  });
});
