/**
 * `cdstream run --workers 2`: two workers in one process share the work like
 * two processes would, behind one /metrics and /readyz; SIGKILL of the host
 * loses nothing, and SIGTERM stops every worker and exits 0.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createTopic, kafka, uniqueName } from '../setup/clients.js';
import { kill, startCdstream, type WorkerProcess } from '../setup/fleet.js';
import { deployedEvent, metricsUrlOf, writeValidationTopology } from '../setup/validation-fleet.js';
import { awaitCommittedToEnd, readWholeTopic } from '../setup/topics.js';

interface HostReadiness {
  readonly ready: boolean;
  readonly stages: Record<string, { assigned: number[] }>;
  readonly workers: { stages: Record<string, { assigned: number[] }> }[];
}

const sumOf = (metrics: string, pattern: RegExp): number =>
  [...metrics.matchAll(pattern)].map((m) => Number(m[1])).reduce((a, b) => a + b, 0);

describe('cdstream run --workers 2', () => {
  const hosts: WorkerProcess[] = [];
  afterAll(async () => {
    await Promise.all(
      hosts.filter((h) => h.process.exitCode === null).map((h) => kill(h, 'SIGKILL')),
    );
  });

  it('splits the partitions between its workers, serves one /metrics and /readyz, and survives SIGKILL', async () => {
    const client = kafka('cdstream-test-run-workers');
    const appId = uniqueName('workers');
    const input = `${appId}.in`;
    const output = `${appId}.validated`;
    await createTopic(client, input, 4);
    const topologyFile = writeValidationTopology(appId, input);
    const env = { CDSTREAM_HTTP_PORT: '0', CDSTREAM_SHUTDOWN_TIMEOUT_MS: '20000' };
    const args = ['run', '--topology', topologyFile, '--workers', '2'];
    const first = startCdstream(args, env);
    hosts.push(first);
    const url = await metricsUrlOf(first);

    const readiness = async (): Promise<HostReadiness | undefined> => {
      const response = await fetch(`${url}/readyz`);
      return response.status === 200 ? ((await response.json()) as HostReadiness) : undefined;
    };
    await expect.poll(async () => (await readiness())?.ready, { timeout: 60_000 }).toBe(true);
    const ready = await readiness();
    expect(ready?.stages.ingest?.assigned).toEqual([0, 1, 2, 3]);
    const perWorker = ready?.workers.map((worker) => worker.stages.ingest?.assigned.length);
    expect(perWorker).toEqual([2, 2]);

    const producer = client.producer();
    await producer.connect();
    const send = (prefix: string, count: number) =>
      producer.send({
        topic: input,
        messages: Array.from({ length: count }, (_, i) => ({
          key: `k${i}`,
          value: deployedEvent(`${prefix}-${i}`),
          headers: { 'content-type': 'application/cloudevents+json' },
        })),
      });
    await send('before', 40);
    await awaitCommittedToEnd(client, `${appId}-ingest`, input);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(sumOf(metrics, /cdstream_records_total\{[^}]*outcome="processed"[^}]*\} (\d+)/g)).toBe(
      40,
    );
    expect(metrics.match(/^cdstream_worker_ready \d/gm)).toEqual(['cdstream_worker_ready 1']);
    expect(metrics.match(/^process_cpu_seconds_total /gm)).toHaveLength(1);

    // SIGKILL takes both workers down at once; a new host restores and goes on
    expect(await kill(first, 'SIGKILL')).toBeNull();
    await send('while-down', 12);
    const second = startCdstream(args, env);
    hosts.push(second);
    await awaitCommittedToEnd(client, `${appId}-ingest`, input);
    const records = await readWholeTopic(client, output, `${appId}-read`);
    const ids = records.map((record) => (JSON.parse(record.value) as { id: string }).id);
    expect(ids).toHaveLength(52);
    expect(new Set(ids).size).toBe(52);

    await producer.disconnect();
    expect(await kill(second, 'SIGTERM')).toBe(0);
    expect(second.output.some((line) => line.includes('every worker stopped (2)'))).toBe(true);
  }, 180_000);
});
