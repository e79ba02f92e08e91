/**
 * `npm start`'s pipeline on the broker and `cdstream replay` without one give
 * the same derived results on the same sample: metrics and incidents with the
 * same ids and data, the same dead-letter codes.
 */
import { describe, expect, inject, it } from 'vitest';
import { replay } from '../../../src/cli/commands/replay.js';
import { connectionsFromEnvironment } from '../../../src/cli/connections.js';
import { isolatedConfig, runPipeline } from '../../../src/cli/demo/pipeline-run.js';
import { sampleStream } from '../../../src/cli/sample-stream.js';
import { loadTopologyFile } from '../../../src/config/topology-file.js';

interface Line {
  topic: string;
  event?: { id: string; type: string; data: unknown };
  headers?: Record<string, string>;
}

const derived = (
  events: { topic: string; id: string; type: string; data: unknown }[],
  topics: string[],
) =>
  events
    .filter((e) => topics.includes(e.topic))
    .map((e) => JSON.stringify({ topic: e.topic, id: e.id, type: e.type, data: e.data }))
    .sort();

describe('replay agrees with the broker', () => {
  it('derives the same metrics, incidents and dead letters from the sample', async () => {
    const runId = `agree${Date.now()}`;
    const config = isolatedConfig(loadTopologyFile('topologies/default.yaml'), runId);
    const sample = sampleStream(Date.now(), runId);
    const connections = connectionsFromEnvironment({
      KAFKA_BROKERS: inject('kafkaBrokers').join(','),
      SCHEMA_REGISTRY_URL: inject('schemaRegistryUrl'),
    });
    const broker = await runPipeline(config, connections, sample.lines, () => undefined);
    const replayed = (await replay(config, [sample.lines.join('\n')])).map(
      (l) => JSON.parse(l) as Line,
    );

    const { metrics, incidents, deadLetter } = config.outputs;
    const fromBroker = broker.records
      .filter((r) => r.topic !== deadLetter)
      .map((r) => ({
        topic: r.topic,
        ...(JSON.parse(r.message.value?.toString() ?? '{}') as {
          id: string;
          type: string;
          data: unknown;
        }),
      }));
    const fromReplay = replayed
      .filter((l) => l.event)
      .map((l) => ({ topic: l.topic, ...(l.event as NonNullable<Line['event']>) }));

    const brokerDerived = derived(fromBroker, [metrics, incidents]);
    expect(brokerDerived.length).toBeGreaterThan(50);
    expect(derived(fromReplay, [metrics, incidents])).toEqual(brokerDerived);
    expect(fromBroker.filter((e) => e.topic === incidents)).toHaveLength(2);

    const codes = (list: (string | undefined)[]) => list.sort();
    expect(
      codes(
        replayed
          .filter((l) => l.topic === deadLetter)
          .map((l) => l.headers?.['cdstream-error-code']),
      ),
    ).toEqual(
      codes(
        broker.records
          .filter((r) => r.topic === deadLetter)
          .map((r) => r.message.headers?.['cdstream-error-code']?.toString()),
      ),
    );
  }, 180_000);
});
