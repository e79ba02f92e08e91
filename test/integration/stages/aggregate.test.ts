/**
 * Stage 3 on the real broker: a scripted week of enriched events for five
 * services gives exactly the DORA keys computed by hand below, and a critical
 * CVE on a running digest opens one incident that a fixed digest resolves.
 * Event times are the last seven UTC days (the broker keeps 7 days).
 */
import type { Kafka } from '../../../src/runtime/kafka/kafkajs.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeStructured, encodeStructured } from '../../../src/cloudevents/envelope.js';
import { KafkajsTransport } from '../../../src/runtime/kafka/kafkajs-transport.js';
import { StreamWorker } from '../../../src/runtime/worker.js';
import { aggregateStage, METRICS_TYPES } from '../../../src/stages/aggregate/index.js';
import { EventValidator } from '../../../src/validation/index.js';
import {
  deployment,
  incident,
  purlOf,
  rollback,
  scan,
  type EnrichedRecord,
} from '../../unit/stages/aggregate/enriched-events.js';
import { kafka, uniqueName } from '../setup/clients.js';
import { awaitCommittedToEnd, readWholeTopic } from '../setup/topics.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const DAY = 24 * HOUR;
const PARTITIONS = 3;
const GRACE = 10 * MINUTE;
const SOURCE = '/cdstream/integration';
/**
 * Midnight UTC seven days before the latest midnight that is at least GRACE
 * ago: the week is D0 … D0 + 7 days, and its flush (D0 + 7 days + GRACE) is
 * never ahead of the clock, even just after midnight.
 */
const D0 = Math.floor((Date.now() - GRACE) / DAY) * DAY - 7 * DAY;
const at = (day: number, hour: number, minute = 0) =>
  D0 + day * DAY + hour * HOUR + minute * MINUTE;
const where = (service: string, time: number, id?: string) => ({
  service,
  environment: 'prod',
  time,
  ...(id ? { id } : {}),
});
const dayStart = (day: number) => new Date(D0 + day * DAY).toISOString();

function week(): EnrichedRecord[] {
  const records: EnrichedRecord[] = [];
  // alpha: one deployment a day at 10:00 (lead time 2 h), a second on day 2 at 15:00
  // (lead time 1 h) that an incident at 16:00 fails; restored at 16:45
  for (let day = 0; day < 7; day++) {
    records.push(
      deployment(where('alpha', at(day, 10)), {
        artifact: `alpha-${day}`,
        leadTimeStart: at(day, 8),
      }),
    );
  }
  records.push(
    deployment(where('alpha', at(2, 15)), { artifact: 'alpha-2b', leadTimeStart: at(2, 14) }),
  );
  records.push(
    incident(where('alpha', at(2, 16)), { phase: 'detected', incident: 'alpha-outage' }),
  );
  records.push(
    incident(where('alpha', at(2, 16, 45)), { phase: 'resolved', incident: 'alpha-outage' }),
  );
  // bravo: day 0 (lead 3 h), day 3 (lead 24 h) rolled back two hours later
  records.push(
    deployment(where('bravo', at(0, 9)), { artifact: 'bravo-0', leadTimeStart: at(0, 6) }),
  );
  records.push(
    deployment(where('bravo', at(3, 9)), { artifact: 'bravo-1', leadTimeStart: at(2, 9) }),
  );
  records.push(rollback(where('bravo', at(3, 11)), 'bravo-0'));
  // charlie: runs charlie-1 from day 1; a scan at 12:00 finds a critical CVE (re-sent, and
  // scanned again at 13:00); charlie-2, clean, replaces it on day 4
  const report = scan(where('charlie', at(1, 12), 'scan-charlie-1'), 'charlie-1', {
    critical: 1,
    criticalIds: ['CVE-2026-0001'],
  });
  records.push(deployment(where('charlie', at(1, 8)), { artifact: 'charlie-1' }));
  records.push(report, report);
  records.push(
    scan(where('charlie', at(1, 13)), 'charlie-1', { critical: 1, criticalIds: ['CVE-2026-0001'] }),
  );
  records.push(
    deployment(where('charlie', at(4, 8)), {
      artifact: 'charlie-2',
      vulnerabilities: { critical: 0 },
    }),
  );
  // delta: deployed day 0 at 12:00; an incident at 20:00 (reported again at 20:30) fails it,
  // resolved day 1 at 02:00 (6 h); a resolve of an unknown incident on day 5
  records.push(deployment(where('delta', at(0, 12)), { artifact: 'delta-0' }));
  records.push(incident(where('delta', at(0, 20)), { phase: 'detected', incident: 'delta-down' }));
  records.push(
    incident(where('delta', at(0, 20, 30)), { phase: 'reported', incident: 'delta-down' }),
  );
  records.push(incident(where('delta', at(1, 2)), { phase: 'resolved', incident: 'delta-down' }));
  records.push(
    incident(where('delta', at(5, 10)), { phase: 'resolved', incident: 'never-opened' }),
  );
  // echo: first seen day 5; two deployments a day, one re-sent
  records.push(
    deployment(where('echo', at(5, 10)), { artifact: 'echo-1', leadTimeStart: at(5, 9) }),
  );
  records.push(
    deployment(where('echo', at(5, 14)), { artifact: 'echo-2', leadTimeStart: at(5, 10) }),
  );
  const resent = deployment(where('echo', at(6, 10), 'echo-deploy-3'), {
    artifact: 'echo-3',
    leadTimeStart: at(4, 10),
  });
  records.push(resent, resent);
  records.push(
    deployment(where('echo', at(6, 18)), { artifact: 'echo-4', leadTimeStart: at(6, 17, 30) }),
  );
  return records.sort((a, b) => a.timestamp - b.timestamp);
}

/** An event the stage ignores, on every partition, past the week's end plus grace: closes day 6. */
function flush(): { value: Buffer; partition: number; timestamp: string }[] {
  const time = D0 + 7 * DAY + GRACE;
  return Array.from({ length: PARTITIONS }, (_, partition) => ({
    partition,
    timestamp: String(time),
    value: encodeStructured({
      attributes: {
        specversion: '1.0',
        id: `flush-${partition}`,
        source: '/test/flush',
        type: 'dev.cdevents.build.started.0.3.0',
      },
      extensions: {},
      data: { context: { id: `flush-${partition}` }, subject: { id: 'flush', content: {} } },
    }),
  }));
}

async function createTopics(client: Kafka, topics: string[]): Promise<void> {
  const admin = client.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: topics.map((topic) => ({
        topic,
        numPartitions: PARTITIONS,
        configEntries: [{ name: 'retention.ms', value: '-1' }],
      })),
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

type Data = Record<string, unknown>;

describe('aggregate stage on the broker', () => {
  const client = kafka('cdstream-test-aggregate');
  const appId = uniqueName('aggregate');
  const topics = {
    input: `${appId}-enriched`,
    metrics: `${appId}-metrics`,
    incidents: `${appId}-incidents`,
    late: `${appId}-late`,
    deadLetter: `${appId}-dlq`,
  };
  const counts = new Map<string, number>();
  let worker: StreamWorker;
  /** `${type} ${service} ${windowStart}` → data */
  const metrics = new Map<string, Data>();
  let metricsRecords = 0;
  let incidentRecords: { key: string; value: string }[] = [];

  beforeAll(async () => {
    await createTopics(client, Object.values(topics));
    worker = new StreamWorker({
      topology: {
        applicationId: appId,
        stages: [
          aggregateStage({
            source: SOURCE,
            topics,
            windows: [{ name: 'P1D', sizeMs: DAY }],
            graceMs: GRACE,

            onCount: (name) => counts.set(name, (counts.get(name) ?? 0) + 1),
          }),
        ],
      },
      transport: new KafkajsTransport({ clientId: appId, brokers: inject('kafkaBrokers') }),
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      settings: { retryInitialMs: 50, retryMaxMs: 200 },
    });
    await worker.start();
    const producer = client.producer();
    await producer.connect();
    await producer.send({
      topic: topics.input,
      messages: week().map((record) => ({
        key: record.key,
        value: record.value,
        timestamp: String(record.timestamp),
      })),
    });
    await producer.send({ topic: topics.input, messages: flush() });
    await producer.disconnect();
    await awaitCommittedToEnd(client, `${appId}-aggregate`, topics.input);

    const records = await readWholeTopic(client, topics.metrics, uniqueName('read-metrics'));
    metricsRecords = records.length;
    for (const record of records) {
      const event = decodeStructured(Buffer.from(record.value));
      const data = event.data as Data;
      metrics.set(
        `${event.attributes.type} ${String(data.service)} ${String(data.windowStart)}`,
        data,
      );
    }
    incidentRecords = await readWholeTopic(client, topics.incidents, uniqueName('read-incidents'));
  }, 120_000);

  afterAll(async () => {
    await worker.stop();
  });

  const get = (type: string, service: string, day: number) =>
    metrics.get(`${type} ${service} ${dayStart(day)}`);

  it('emits exactly one final result per day per known service and metric, zeros included', () => {
    // windows: alpha 7, bravo 7, charlie 6 (from day 1), delta 7, echo 2 (from day 5) = 29, × 6 metrics
    expect(metricsRecords).toBe(174);
    expect(metrics.size).toBe(174);
    expect([...metrics.values()].every((data) => data.final === true)).toBe(true);
  });

  it('deployment frequency per day, rollbacks apart, bands', () => {
    const expected: Record<string, (number | undefined)[]> = {
      alpha: [1, 1, 2, 1, 1, 1, 1],
      bravo: [1, 0, 0, 1, 0, 0, 0],
      charlie: [undefined, 1, 0, 0, 1, 0, 0],
      delta: [1, 0, 0, 0, 0, 0, 0],
      echo: [undefined, undefined, undefined, undefined, undefined, 2, 2],
    };
    const band = (deployments: number) =>
      deployments === 0 ? 'low' : deployments === 1 ? 'high' : 'elite';
    for (const [service, days] of Object.entries(expected)) {
      days.forEach((deployments, day) => {
        const data = get(METRICS_TYPES.deploymentFrequency, service, day);
        if (deployments === undefined) expect(data, `${service} day ${day}`).toBeUndefined();
        else
          expect(data, `${service} day ${day}`).toMatchObject({
            deployments,
            band: band(deployments),
          });
      });
    }
    expect(get(METRICS_TYPES.deploymentFrequency, 'bravo', 3)).toMatchObject({ rollbacks: 1 });
    expect(get(METRICS_TYPES.deploymentFrequency, 'alpha', 2)).toMatchObject({
      distinctArtifacts: 2,
    });
  });

  it('change failure rate: incident-linked and rolled-back deployments', () => {
    const cfr = (service: string, day: number) =>
      get(METRICS_TYPES.changeFailureRate, service, day);
    expect(cfr('alpha', 2)).toMatchObject({
      deployments: 2,
      failedDeployments: 1,
      incidentLinkedDeployments: 1,
      changeFailureRate: 0.5,
      band: 'low',
    });
    expect(cfr('alpha', 3)).toMatchObject({
      deployments: 1,
      failedDeployments: 0,
      changeFailureRate: 0,
      band: 'elite',
    });
    expect(cfr('bravo', 0)).toMatchObject({
      deployments: 1,
      failedDeployments: 0,
      changeFailureRate: 0,
    });
    expect(cfr('bravo', 3)).toMatchObject({
      deployments: 1,
      failedDeployments: 1,
      rolledBackDeployments: 1,
      changeFailureRate: 1,
      band: 'low',
    });
    expect(cfr('bravo', 4)).toMatchObject({ deployments: 0, changeFailureRate: null, band: null });
    expect(cfr('delta', 0)).toMatchObject({
      deployments: 1,
      failedDeployments: 1,
      incidentLinkedDeployments: 1,
      changeFailureRate: 1,
    });
    expect(cfr('charlie', 1)).toMatchObject({ deployments: 1, failedDeployments: 0 }); // vulnerability incidents are no failed change
    expect(cfr('echo', 6)).toMatchObject({
      deployments: 2,
      failedDeployments: 0,
      changeFailureRate: 0,
    });
  });

  it('time to restore per incident and per window', () => {
    const ttr = (service: string, day: number) => get(METRICS_TYPES.timeToRestore, service, day);
    expect(ttr('alpha', 2)).toMatchObject({
      incidentsRestored: 1,
      medianMs: 2_700_000,
      p90Ms: 2_700_000,
      band: 'elite',
    });
    expect((ttr('alpha', 2)?.restorations as { durationMs: number }[])[0]?.durationMs).toBe(
      2_700_000,
    );
    expect(ttr('delta', 0)).toMatchObject({ incidentsRestored: 0, medianMs: null });
    expect(ttr('delta', 1)).toMatchObject({
      incidentsRestored: 1,
      medianMs: 21_600_000,
      p90Ms: 21_600_000,
      band: 'high',
    });
    expect(ttr('delta', 5)).toMatchObject({
      incidentsRestored: 0,
      unmatchedResolutions: 1,
      medianMs: null,
      band: null,
    });
  });

  it('lead time for changes, median and p90', () => {
    const lt = (service: string, day: number) => get(METRICS_TYPES.leadTime, service, day);
    for (const day of [0, 1, 3, 4, 5, 6]) {
      expect(lt('alpha', day), `alpha day ${day}`).toMatchObject({
        samples: 1,
        medianMs: 7_200_000,
        p90Ms: 7_200_000,
        band: 'elite',
      });
    }
    expect(lt('alpha', 2)).toMatchObject({
      samples: 2,
      medianMs: 5_400_000,
      p90Ms: 7_200_000,
      band: 'elite',
    });
    expect(lt('bravo', 0)).toMatchObject({ samples: 1, medianMs: 10_800_000 });
    expect(lt('bravo', 3)).toMatchObject({ samples: 1, medianMs: 86_400_000, band: 'high' });
    expect(lt('charlie', 1)).toMatchObject({ samples: 0, medianMs: null, band: null });
    expect(lt('echo', 5)).toMatchObject({
      samples: 2,
      medianMs: 9_000_000,
      p90Ms: 14_400_000,
      band: 'elite',
    });
    expect(lt('echo', 6)).toMatchObject({
      samples: 2,
      medianMs: 87_300_000,
      p90Ms: 172_800_000,
      band: 'high',
    });
  });

  it('a critical CVE on the running digest opens exactly one incident; the fixed digest resolves it', () => {
    const validator = new EventValidator();
    const events = incidentRecords.map((record) => {
      expect(record.key).toBe('charlie/prod');
      const event = decodeStructured(Buffer.from(record.value));
      const validation = validator.validate({
        ...event,
        dataPath: '/data',
        mode: 'structured',
        encoding: 'json',
      });
      expect(validation.ok, JSON.stringify(validation)).toBe(true);
      const data = event.data as {
        context: { timestamp: string };
        subject: { id: string; content: { artifactId: string; description: string } };
      };
      return { type: event.attributes.type, source: event.attributes.source, ...data };
    });
    expect(events.map((event) => event.type)).toEqual([
      'dev.cdevents.incident.detected.0.3.0',
      'dev.cdevents.incident.resolved.0.3.0',
    ]);
    const [detected, resolved] = events;
    expect(detected?.source).toBe(SOURCE);
    expect(detected?.subject.id).toBe(resolved?.subject.id);
    expect(detected?.subject.content.artifactId).toBe(purlOf('charlie', 'charlie-1'));
    expect(detected?.subject.content.description).toContain('CVE-2026-0001');
    expect(detected?.context.timestamp).toBe(new Date(at(1, 12)).toISOString());
    expect(resolved?.context.timestamp).toBe(new Date(at(4, 8)).toISOString());
    expect(counts.get('incidents.opened')).toBe(1);
    expect(counts.get('incidents.resolved')).toBe(1);
  });

  it('nothing is late, nothing dead-lettered; duplicates are recognised', async () => {
    expect(await readWholeTopic(client, topics.late, uniqueName('read-late'))).toEqual([]);
    expect(await readWholeTopic(client, topics.deadLetter, uniqueName('read-dlq'))).toEqual([]);
    expect(counts.get('deployments.duplicate')).toBe(1);
    expect(counts.get('incidents.producer.duplicate')).toBe(1);
    expect(counts.get('incidents.producer.resolved-without-open')).toBe(1);
  });
});
