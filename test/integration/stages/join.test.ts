/**
 * Stage 2 on the real broker: ingest-shaped records in, enriched CloudEvents
 * out (read_committed), then a new worker of the same application restores
 * the join table from its changelog topics and answers the same.
 */
import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka } from '../../../src/runtime/kafka/kafkajs.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeStructured, type CloudEventEnvelope } from '../../../src/cloudevents/envelope.js';
import { EXTENSIONS } from '../../../src/cloudevents/extensions.js';
import { KafkajsTransport } from '../../../src/runtime/kafka/kafkajs-transport.js';
import { StreamWorker } from '../../../src/runtime/worker.js';
import { joinStage } from '../../../src/stages/join/index.js';
import {
  deployed,
  incidentDetected,
  locationCreated,
  replicaSet,
  scanReport,
  type IngestShapedRecord,
  type ReplicaSetSpec,
} from '../../unit/stages/join/ingest-shaped.js';
import { createTopic, kafka, uniqueName } from '../setup/clients.js';

const PARTITIONS = 3;

interface Enriched {
  readonly key: string;
  readonly partition: number;
  readonly event: CloudEventEnvelope;
}

/** Every committed record of the enriched topic, and a way to await the ones of given event ids. */
class EnrichedReader {
  readonly received: Enriched[] = [];
  private readonly waiters: { ready: () => boolean; resolve: () => void }[] = [];

  private constructor(private readonly consumer: Consumer) {}

  static async start(client: Kafka, topic: string): Promise<EnrichedReader> {
    const consumer = client.consumer({
      groupId: uniqueName('join-reader'),
      readUncommitted: false,
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const reader = new EnrichedReader(consumer);
    void consumer.run({
      eachMessage: ({ partition, message }) => {
        reader.received.push({
          key: String(message.key),
          partition,
          event: decodeStructured(message.value),
        });
        reader.notify();
        return Promise.resolve();
      },
    });
    return reader;
  }

  /** Resolves with the outputs of the event with `id` once `count` of them arrived. */
  async outputsOf(id: string, count = 1, timeoutMs = 45_000): Promise<Enriched[]> {
    const matching = () => this.received.filter((output) => output.event.attributes.id === id);
    if (matching().length < count) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`expected ${count} outputs of ${id}, got ${matching().length}`));
        }, timeoutMs);
        this.waiters.push({
          ready: () => matching().length >= count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    }
    return matching();
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) {
      if (!waiter.ready()) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }
}

const idOf = (record: IngestShapedRecord): string => decodeStructured(record.value).attributes.id;

const placement = (output: Enriched | undefined) => ({
  key: output?.key,
  service: output?.event.extensions[EXTENSIONS.service],
  environment: output?.event.extensions[EXTENSIONS.environment],
});

const randomDigest = (): string => `sha256:${randomBytes(32).toString('hex')}`;

/** Event times an hour ago: the broker's retention would delete records far in the past. */
const base = Date.now() - 3_600_000;
const at = (minutes: number): string => new Date(base + minutes * 60_000).toISOString();

describe('join stage on the real broker', () => {
  const client = kafka('cdstream-test-join');
  const appId = uniqueName('join');
  const input = `${appId}-by-artifact`;
  const enriched = `${appId}-enriched`;
  const dlq = `${appId}-dlq`;
  const deployedDigest = randomDigest();
  const replicaDigest = randomDigest();
  const counts = new Map<string, number>();
  const restoredRecords: number[] = [];
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  let reader: EnrichedReader;
  let worker: StreamWorker;

  const startWorker = async (): Promise<StreamWorker> => {
    const started = new StreamWorker({
      topology: {
        applicationId: appId,
        stages: [
          joinStage({
            inputTopic: input,
            enrichedTopic: enriched,
            deadLetterTopic: dlq,
            onCount: (name) => counts.set(name, (counts.get(name) ?? 0) + 1),
          }),
        ],
      },
      transport: new KafkajsTransport({
        clientId: appId,
        brokers: inject('kafkaBrokers'),
        logger,
      }),
      logger,
      listener: { restored: (event) => restoredRecords.push(event.records) },
    });
    await started.start();
    return started;
  };

  const produce = async (...records: (IngestShapedRecord | IngestShapedRecord[])[]) => {
    const producer = client.producer();
    await producer.connect();
    try {
      await producer.send({
        topic: input,
        messages: records.flat().map((record) => ({
          key: record.key,
          value: record.value,
          timestamp: String(record.timestamp),
          ...(record.partition === undefined ? {} : { partition: record.partition }),
        })),
      });
    } finally {
      await producer.disconnect();
    }
  };

  const rs = (operation: ReplicaSetSpec['operation'], minutes: number) =>
    replicaSet({
      operation,
      cluster: `${appId}-cluster`,
      namespace: 'shop',
      name: 'web-7d9f8',
      image: `registry.example/shop/web@${replicaDigest}`,
      labels: { 'carto.run/workload-name': 'web' },
      createdAt: at(1),
      time: at(minutes),
    });

  const incidentAbout = (artifactId: string, environment: string, minutes: number) =>
    incidentDetected({ environment: { id: environment }, artifactId }, at(minutes));

  beforeAll(async () => {
    await createTopic(client, input, PARTITIONS);
    worker = await startWorker();
    reader = await EnrichedReader.start(client, enriched);
    // the cluster's environment reaches every task before its ReplicaSets do
    await produce(
      locationCreated(`${appId}-cluster`, [{ key: 'env', value: 'production' }], at(0), PARTITIONS),
    );
  });

  afterAll(async () => {
    await reader.stop();
    await worker.stop();
  });

  it('enriches an incident that names only the artifact, in another spelling, with the deploying service', async () => {
    const hex = deployedDigest.slice('sha256:'.length);
    const deployment = deployed(
      'checkout',
      'production',
      `pkg:oci/checkout@${deployedDigest}?repository_url=registry.example/shop/checkout`,
      at(2),
    );
    const incident = incidentAbout(
      `pkg:oci/checkout@sha256%3A${hex.toUpperCase()}`,
      'production',
      3,
    );
    await produce(deployment, incident);

    const [deploymentOut] = await reader.outputsOf(idOf(deployment));
    expect(placement(deploymentOut)).toEqual({
      key: 'checkout/production',
      service: 'checkout',
      environment: 'production',
    });
    const [incidentOut] = await reader.outputsOf(idOf(incident));
    expect(placement(incidentOut)).toEqual(placement(deploymentOut));
    expect(incidentOut?.event.data).toEqual(decodeStructured(incident.value).data);
  });

  it('follows a ReplicaSet through add, resync and delete, in its cluster’s environment', async () => {
    const artifactId = `pkg:oci/web@${replicaDigest}`;
    const whileRunning = incidentAbout(artifactId, 'production', 12);
    const afterDelete = incidentAbout(artifactId, 'production', 14);
    await produce(
      rs('add', 10),
      rs('updated', 11),
      rs('update', 11),
      whileRunning,
      rs('delete', 13),
      rs('delete', 13),
      afterDelete,
    );

    const [running] = await reader.outputsOf(idOf(whileRunning));
    expect(placement(running)).toEqual({
      key: 'web/production',
      service: 'web',
      environment: 'production',
    });
    const [gone] = await reader.outputsOf(idOf(afterDelete));
    expect(placement(gone)).toEqual({
      key: replicaDigest,
      service: undefined,
      environment: undefined,
    });
  });

  it('joins a scan report of a running digest to the service that runs it', async () => {
    const scan = scanReport(
      `registry.example/shop/checkout@${deployedDigest}`,
      { critical: 2, high: 1, medium: 0, low: 5, criticalIds: 'CVE-2024-1,CVE-2024-2' },
      at(20),
    );
    await produce(scan);
    const outputs = await reader.outputsOf(idOf(scan));
    expect(outputs.map(placement)).toEqual([
      { key: 'checkout/production', service: 'checkout', environment: 'production' },
    ]);
    expect(outputs[0]?.event.extensions[EXTENSIONS.vulnCriticalIds]).toBe('CVE-2024-1,CVE-2024-2');
  });

  it('a new worker of the application restores the table from the changelog and answers the same', async () => {
    await worker.stop();
    restoredRecords.length = 0;
    worker = await startWorker();

    const incident = incidentAbout(`pkg:oci/checkout@${deployedDigest}`, 'production', 30);
    const redeploy = deployed('checkout', 'qa', `pkg:oci/checkout@${deployedDigest}`, at(31));
    const replica = replicaSet({
      operation: 'add',
      cluster: `${appId}-cluster`,
      namespace: 'shop',
      name: 'api-1',
      image: `registry.example/shop/api@${randomDigest()}`,
      labels: { app: 'api' },
      time: at(32),
    });
    await produce(incident, redeploy, replica);

    const [restored] = await reader.outputsOf(idOf(incident));
    expect(placement(restored)).toEqual({
      key: 'checkout/production',
      service: 'checkout',
      environment: 'production',
    });
    // the scan and the cluster's environment were restored too
    const [redeployed] = await reader.outputsOf(idOf(redeploy));
    expect(redeployed?.event.extensions[EXTENSIONS.vulnCritical]).toBe(2);
    const [replicaOut] = await reader.outputsOf(idOf(replica));
    expect(placement(replicaOut).environment).toBe('production');
    expect(restoredRecords.reduce((sum, records) => sum + records, 0)).toBeGreaterThan(0);
    expect(counts.get('dead_lettered')).toBeUndefined();
  });
});
