/**
 * The whole default pipeline on two `cdstream run` workers; one is SIGKILLed
 * mid-stream and restarted. The join table, the windows and the open
 * incidents come back from their changelogs: the derived metrics, incidents
 * and dead letters are identical to a clean run of the same sample (replay,
 * which the replay-agrees test shows equal to a clean broker run).
 */
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { replay } from '../../../src/cli/commands/replay.js';
import { isolatedConfig } from '../../../src/cli/demo/pipeline-run.js';
import { recordsOfFile, toKafkaMessage } from '../../../src/cli/input-records.js';
import { readToEnd } from '../../../src/cli/kafka-topics.js';
import { sampleStream } from '../../../src/cli/sample-stream.js';
import { loadTopologyFile } from '../../../src/config/topology-file.js';
import { createTopic, kafka } from '../setup/clients.js';
import { kill, startCdstream, type WorkerProcess } from '../setup/fleet.js';

const sorted = (items: string[]) => [...items].sort();

describe('the default pipeline on a fleet', () => {
  const workers: WorkerProcess[] = [];
  afterAll(async () => {
    await Promise.all(
      workers
        .filter((w) => w.process.exitCode === null && w.process.signalCode === null)
        .map((w) => kill(w, 'SIGKILL')),
    );
  });

  it('gives the same results when a worker is SIGKILLed mid-stream and restarted', async () => {
    const runId = `fleet${Date.now()}`;
    const config = isolatedConfig(loadTopologyFile('topologies/default.yaml'), runId);
    const { outputs } = config;
    const topologyFile = `.local/${runId}.yaml`;
    writeFileSync(
      topologyFile,
      [
        `applicationId: ${config.applicationId}`,
        `inputs: { topics: [${config.inputs.topics.join(', ')}], partitions: ${config.inputs.partitions} }`,
        `outputs: { deadLetter: ${outputs.deadLetter}, enriched: ${outputs.enriched}, metrics: ${outputs.metrics}, incidents: ${outputs.incidents}, late: ${outputs.late} }`,
        // the demo's: input partitions no sample record goes to idle after seconds, not an hour
        `aggregation: { idleTimeout: ${config.aggregation.idleTimeoutMs} }`,
        'runtime: { sessionTimeout: 8s, commitInterval: 50ms }',
      ].join('\n'),
    );
    const client = kafka('cdstream-test-fleet');
    const input = config.inputs.topics[0] ?? '';
    await createTopic(client, input, config.inputs.partitions);

    // the history is in Kafka before the fleet starts, as a team loads it
    const sample = sampleStream(Date.now(), runId);
    const records = recordsOfFile(sample.lines.join('\n'));
    const producer = client.producer();
    await producer.connect();
    for (const record of records) {
      await producer.send({ topic: input, messages: [toKafkaMessage(record)] });
    }
    await producer.disconnect();

    const env = { CDSTREAM_HTTP_PORT: '0' };
    const start = () => {
      const worker = startCdstream(['run', '--topology', topologyFile], env);
      workers.push(worker);
      return worker;
    };
    const fleet = [start(), start()];
    await Promise.all(fleet.map((w) => w.waitForLine(/running .*ingest → join → aggregate/)));
    // mid-stream: the join knows deployments, the aggregate holds records and open windows
    await expect
      .poll(async () => (await readToEnd(client, [outputs.enriched])).length, {
        timeout: 60_000,
        interval: 200,
      })
      .toBeGreaterThan(10);
    await kill(fleet[0] as WorkerProcess, 'SIGKILL');
    fleet[0] = start();
    const replayed = (await replay(config, [sample.lines.join('\n')])).map(
      (line) =>
        JSON.parse(line) as {
          topic: string;
          event?: { id: string; data: unknown };
          headers?: Record<string, string>;
        },
    );
    // the restarted worker rejoins before the fleet is stopped (a SIGTERM
    // while Node still loads its modules would end it by the signal)
    await fleet[0].waitForLine(/running .*ingest → join → aggregate/);
    // event time reaches the aggregate in watermark records after the data:
    // the workers run on until everything replay derives has come out
    const derivedCount = replayed.filter(
      (l) => l.topic === outputs.metrics || l.topic === outputs.incidents,
    ).length;
    await expect
      .poll(async () => (await readToEnd(client, [outputs.metrics, outputs.incidents])).length, {
        timeout: 60_000,
        interval: 1_000,
      })
      .toBeGreaterThanOrEqual(derivedCount);
    expect(await Promise.all(fleet.map((w) => kill(w, 'SIGTERM')))).toEqual([0, 0]);

    const fromBroker = await readToEnd(client, [
      outputs.metrics,
      outputs.incidents,
      outputs.deadLetter,
    ]);
    const derivedOf = (topic: string, id: string, data: unknown) =>
      JSON.stringify({ topic, id, data });
    const brokerDerived = fromBroker
      .filter((r) => r.topic !== outputs.deadLetter)
      .map((r) => {
        const event = JSON.parse(r.message.value?.toString() ?? '{}') as {
          id: string;
          data: unknown;
        };
        return derivedOf(r.topic, event.id, event.data);
      });
    const replayDerived = replayed
      .filter((l) => l.topic === outputs.metrics || l.topic === outputs.incidents)
      .map((l) => derivedOf(l.topic, l.event?.id ?? '', l.event?.data));
    expect(brokerDerived.length).toBeGreaterThan(50);
    expect(new Set(brokerDerived).size).toBe(brokerDerived.length); // nothing emitted twice
    expect(sorted(brokerDerived)).toEqual(sorted(replayDerived));
    expect(
      sorted(
        fromBroker
          .filter((r) => r.topic === outputs.deadLetter)
          .map((r) => r.message.headers?.['cdstream-error-code']?.toString() ?? ''),
      ),
    ).toEqual(
      sorted(
        replayed
          .filter((l) => l.topic === outputs.deadLetter)
          .map((l) => l.headers?.['cdstream-error-code'] ?? ''),
      ),
    );
  }, 300_000);
});
