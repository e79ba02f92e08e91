import { describe, expect, it } from 'vitest';
import { decodeStructured, type CloudEventEnvelope } from '../../../../src/cloudevents/envelope.js';
import { EXTENSIONS } from '../../../../src/cloudevents/extensions.js';
import { DEAD_LETTER_HEADERS } from '../../../../src/runtime/dead-letter.js';
import { TopologyTestDriver, type DriverRecord } from '../../../../src/runtime/test-driver.js';
import { changelogTopic } from '../../../../src/runtime/topology.js';
import { joinStage, joinStoreNames } from '../../../../src/stages/join/index.js';
import {
  cdevent,
  deployed,
  DIGEST,
  incidentDetected,
  locationCreated,
  OTHER_DIGEST,
  replicaSet,
  scanReport,
  type IngestShapedRecord,
  type ReplicaSetSpec,
} from './ingest-shaped.js';

const IN = 'by-artifact';
const OUT = 'cdstream.enriched';
const DLQ = 'cdstream.dlq';
const DIGEST_HEX = DIGEST.slice('sha256:'.length);

function setup(partitions = 3) {
  const counts = new Map<string, number>();
  const driver = new TopologyTestDriver(
    {
      applicationId: 'join-test',
      stages: [
        joinStage({
          inputTopic: IN,
          enrichedTopic: OUT,
          deadLetterTopic: DLQ,
          onCount: (name) => counts.set(name, (counts.get(name) ?? 0) + 1),
        }),
      ],
    },
    { partitions },
  );
  const pipe = (...records: (IngestShapedRecord | IngestShapedRecord[])[]) =>
    driver.pipeInput(IN, records.flat());
  const read = () => driver.readOutput(OUT).map(decoded);
  return { driver, counts, pipe, read };
}

interface Decoded {
  readonly key: string;
  readonly event: CloudEventEnvelope;
  readonly record: DriverRecord;
}

const decoded = (record: DriverRecord): Decoded => ({
  key: String(record.key),
  event: decodeStructured(record.value),
  record,
});

const service = (output: Decoded | undefined) => ({
  key: output?.key,
  service: output?.event.extensions[EXTENSIONS.service],
  environment: output?.event.extensions[EXTENSIONS.environment],
});

describe('join: deployments and incidents', () => {
  it('gives an incident that names only the artifact, in another spelling, the deploying service', async () => {
    const { pipe, read, counts } = setup();
    await pipe(
      deployed(
        'checkout',
        'production',
        `pkg:oci/checkout@${DIGEST}?repository_url=registry.example/shop/checkout&tag=1.4.2`,
        '2024-05-01T10:00:00Z',
      ),
    );
    const [deployment] = read();
    expect(service(deployment)).toEqual({
      key: 'checkout/production',
      service: 'checkout',
      environment: 'production',
    });

    const incident = incidentDetected(
      {
        environment: { id: 'production' },
        artifactId: `pkg:oci/checkout@sha256%3A${DIGEST_HEX.toUpperCase()}`,
      },
      '2024-05-01T11:00:00Z',
    );
    await pipe(incident);
    const [enriched, ...rest] = read();
    expect(rest).toEqual([]);
    expect(service(enriched)).toEqual({
      key: 'checkout/production',
      service: 'checkout',
      environment: 'production',
    });
    // still the same CloudEvent: attributes and data untouched, ingest's extensions kept
    const original = decodeStructured(incident.value);
    expect(enriched?.event.attributes).toEqual(original.attributes);
    expect(enriched?.event.data).toEqual(original.data);
    expect(enriched?.event.extensions[EXTENSIONS.artifactKey]).toBe(DIGEST);
    expect(enriched?.record.timestamp).toBe(Date.parse('2024-05-01T11:00:00Z'));
    expect(String(enriched?.record.headers['content-type'])).toBe(
      'application/cloudevents+json; charset=utf-8',
    );
    expect(counts.get('event_enriched')).toBe(2);
  });

  it('passes an incident about an unknown artifact through unchanged, and counts it', async () => {
    const { pipe, read, counts } = setup();
    const incident = incidentDetected(
      { environment: { id: 'production' }, artifactId: `pkg:oci/unknown@${OTHER_DIGEST}` },
      '2024-05-01T11:00:00Z',
    );
    await pipe(incident);
    const [output] = read();
    expect(output?.key).toBe(OTHER_DIGEST);
    expect(output?.event).toEqual(decodeStructured(incident.value));
    expect(counts.get('incident_unenriched')).toBe(1);
    expect(counts.get('event_passthrough')).toBe(1);
  });

  it('keeps the service an incident names, and picks the row of the environment it names', async () => {
    const { pipe, read } = setup();
    const artifactId = `pkg:oci/checkout@${DIGEST}`;
    await pipe(
      deployed('checkout', 'staging', artifactId, '2024-05-01T09:00:00Z'),
      deployed('checkout-eu', 'production', artifactId, '2024-05-01T10:00:00Z', '0.1.1'),
    );
    read();
    await pipe(
      incidentDetected({ environment: { id: 'staging' }, artifactId }, '2024-05-01T11:00:00Z'),
      incidentDetected(
        { environment: { id: 'qa' }, service: { id: 'named' }, artifactId },
        '2024-05-01T11:00:00Z',
        '0.3.0',
      ),
    );
    expect(read().map(service)).toEqual([
      { key: 'checkout/staging', service: 'checkout', environment: 'staging' },
      { key: 'named/qa', service: 'named', environment: 'qa' },
    ]);
  });

  it('forgets a service that was removed from an environment', async () => {
    const { pipe, read } = setup(1);
    const artifactId = `pkg:oci/checkout@${DIGEST}`;
    await pipe(deployed('checkout', 'production', artifactId, '2024-05-01T10:00:00Z'));
    await pipe(
      cdevent({
        type: 'dev.cdevents.service.removed.0.3.0',
        subjectId: 'checkout',
        content: { environment: { id: 'production' } },
        time: '2024-05-02T10:00:00Z',
      }),
    );
    expect(read().map(service)[1]).toEqual({
      key: 'checkout/production',
      service: 'checkout',
      environment: 'production',
    });
    await pipe(
      incidentDetected({ environment: { id: 'production' }, artifactId }, '2024-05-02T11:00:00Z'),
    );
    expect(read()[0]?.event.extensions[EXTENSIONS.service]).toBeUndefined();
  });
});

describe('join: Knative ReplicaSets and AMR locations', () => {
  const image = `registry.example/shop/web@${DIGEST}`;
  const rs = (operation: ReplicaSetSpec['operation'], overrides: Partial<ReplicaSetSpec> = {}) =>
    replicaSet({
      operation,
      cluster: 'cluster-a-uid',
      namespace: 'shop',
      name: 'web-7d9f8',
      image,
      labels: { 'carto.run/workload-name': 'web', 'pod-template-hash': '7d9f8' },
      createdAt: '2024-05-01T10:00:00Z',
      time: '2024-05-01T10:00:01Z',
      ...overrides,
    });
  const askIncident = (time = '2024-05-01T12:00:00Z') =>
    incidentDetected({ environment: { id: 'shop' }, artifactId: `pkg:oci/web@${DIGEST}` }, time);

  it('keeps the table right through add, resync duplicates, update and delete', async () => {
    const { driver, pipe, read } = setup();
    const placements = changelogTopic('join-test', joinStoreNames().placements);

    await pipe(rs('add'));
    expect(service(read()[0])).toEqual({ key: 'web/shop', service: 'web', environment: 'shop' });
    const writesAfterAdd = driver.allRecords(placements).length;

    // a watch resync replays the same object, under both update spellings
    await pipe(
      rs('update', { time: '2024-05-01T10:05:00Z' }),
      rs('updated', { time: '2024-05-01T10:10:00Z' }),
      rs('add', { time: '2024-05-01T10:15:00Z' }),
    );
    expect(read()).toHaveLength(3);
    expect(driver.allRecords(placements)).toHaveLength(writesAfterAdd);

    await pipe(askIncident());
    expect(service(read()[0])).toEqual({ key: 'web/shop', service: 'web', environment: 'shop' });

    await pipe(rs('delete', { time: '2024-05-01T13:00:00Z' }));
    expect(service(read()[0])).toEqual({ key: 'web/shop', service: 'web', environment: 'shop' });
    await pipe(askIncident('2024-05-01T13:30:00Z'));
    expect(read()[0]?.event.extensions[EXTENSIONS.service]).toBeUndefined();

    // a second delete of a row already gone is fine
    await pipe(rs('delete', { time: '2024-05-01T13:40:00Z' }));
    expect(read()).toHaveLength(1);
    expect(driver.readOutput(DLQ)).toEqual([]);
  });

  it('drops a ReplicaSet scaled to zero but keeps a sibling that runs the same image', async () => {
    const { pipe, read } = setup();
    await pipe(rs('add'), rs('add', { name: 'web-55c1a', createdAt: '2024-05-01T11:00:00Z' }));
    await pipe(rs('update', { replicas: 0, time: '2024-05-01T11:01:00Z' }));
    await pipe(askIncident());
    expect(service(read().at(-1))).toEqual({
      key: 'web/shop',
      service: 'web',
      environment: 'shop',
    });
    await pipe(rs('delete', { name: 'web-55c1a', time: '2024-05-01T13:00:00Z' }));
    await pipe(askIncident('2024-05-01T13:10:00Z'));
    expect(read().at(-1)?.event.extensions[EXTENSIONS.service]).toBeUndefined();
  });

  it('maps a cluster to the environment its location labels name, and forwards the location once', async () => {
    const { pipe, read, counts } = setup(3);
    await pipe(
      locationCreated(
        'cluster-a-uid',
        [
          { key: 'env', value: 'production' },
          { key: 'region', value: 'eu-west' },
        ],
        '2024-05-01T09:00:00Z',
        3,
      ),
    );
    const locations = read();
    expect(locations).toHaveLength(1);
    expect(service(locations[0])).toEqual({
      key: 'cluster-a-uid',
      service: undefined,
      environment: 'production',
    });
    expect(counts.get('broadcast_copy_skipped')).toBe(2);

    await pipe(rs('add'), rs('add', { cluster: 'cluster-b-uid', name: 'web-b' }));
    expect(read().map(service)).toEqual([
      { key: 'web/production', service: 'web', environment: 'production' },
      { key: 'web/shop', service: 'web', environment: 'shop' },
    ]);
  });
});

describe('join: scan reports and artifact facts', () => {
  const artifactId = `pkg:oci/checkout@${DIGEST}`;
  const findings = { critical: 1, high: 2, medium: 3, low: 4, criticalIds: 'CVE-2024-0001' };

  it('sends a scan report of a running digest once per service that runs it', async () => {
    const { pipe, read } = setup();
    await pipe(
      deployed('checkout', 'production', artifactId, '2024-05-01T10:00:00Z'),
      deployed('checkout', 'staging', artifactId, '2024-05-01T09:00:00Z'),
    );
    read();
    // scanned in a build cluster: its source says nothing about where the image runs
    await pipe(
      scanReport(`registry.example/shop/checkout@${DIGEST}`, findings, '2024-05-01T11:00:00Z'),
    );
    const outputs = read();
    expect(outputs.map(service)).toEqual([
      { key: 'checkout/production', service: 'checkout', environment: 'production' },
      { key: 'checkout/staging', service: 'checkout', environment: 'staging' },
    ]);
    expect(outputs[0]?.event.extensions[EXTENSIONS.vulnCritical]).toBe(1);
    expect(outputs[0]?.event.attributes.type).toBe('vmware.tanzu.apps.image.sbom.pushed.v1');
  });

  it('keys a scan report of an image nothing runs by its digest', async () => {
    const { pipe, read } = setup();
    await pipe(scanReport(`registry.example/x@${OTHER_DIGEST}`, findings, '2024-05-01T11:00:00Z'));
    expect(service(read()[0])).toEqual({
      key: OTHER_DIGEST,
      service: undefined,
      environment: undefined,
    });
  });

  it('gives a deployment the findings and the first build time of the artifact it deploys', async () => {
    const { pipe, read } = setup();
    await pipe(
      cdevent({
        type: 'dev.cdevents.artifact.packaged.0.3.0-draft',
        subjectId: artifactId,
        content: { change: { id: 'c1', source: 'git' } },
        time: '2024-05-01T08:30:00Z',
      }),
      cdevent({
        type: 'dev.cdevents.build.finished.0.3.0',
        subjectId: 'build-1',
        content: { artifactId: `pkg:oci/checkout@sha256%3A${DIGEST_HEX}` },
        time: '2024-05-01T08:00:00Z',
      }),
      scanReport(`registry.example/shop/checkout@${DIGEST}`, findings, '2024-05-01T09:00:00Z'),
    );
    read();
    await pipe(deployed('checkout', 'production', artifactId, '2024-05-01T10:00:00Z'));
    const extensions = read()[0]?.event.extensions;
    expect(extensions).toMatchObject({
      [EXTENSIONS.vulnCritical]: 1,
      [EXTENSIONS.vulnHigh]: 2,
      [EXTENSIONS.vulnMedium]: 3,
      [EXTENSIONS.vulnLow]: 4,
      [EXTENSIONS.vulnCriticalIds]: 'CVE-2024-0001',
      [EXTENSIONS.leadTimeStart]: '2024-05-01T08:00:00.000Z',
    });
    expect(extensions?.[EXTENSIONS.vulnHighIds]).toBeUndefined();
  });
});

describe('join: state and bad input', () => {
  it('answers the same after a restart, from the changelogs', async () => {
    const { driver, pipe, read } = setup();
    const artifactId = `pkg:oci/checkout@${DIGEST}`;
    await pipe(
      locationCreated('cluster-a-uid', [{ key: 'env', value: 'prod' }], '2024-05-01T08:00:00Z', 3),
      deployed('checkout', 'production', artifactId, '2024-05-01T10:00:00Z'),
      scanReport(
        `registry.example/c@${DIGEST}`,
        { critical: 0, high: 1, medium: 0, low: 0 },
        '2024-05-01T10:30:00Z',
      ),
    );
    read();
    driver.restart();
    await pipe(
      incidentDetected(
        {
          environment: { id: 'production' },
          artifactId: `pkg:oci/checkout@sha256%3A${DIGEST_HEX}`,
        },
        '2024-05-01T11:00:00Z',
      ),
      deployed('checkout', 'qa', artifactId, '2024-05-01T12:00:00Z'),
      replicaSet({
        operation: 'add',
        cluster: 'cluster-a-uid',
        namespace: 'shop',
        name: 'web-1',
        image: `registry.example/web@${OTHER_DIGEST}`,
        labels: { app: 'web' },
        time: '2024-05-01T12:00:00Z',
      }),
    );
    const [incident, deployment, replica] = read();
    expect(service(incident)).toEqual({
      key: 'checkout/production',
      service: 'checkout',
      environment: 'production',
    });
    expect(deployment?.event.extensions[EXTENSIONS.vulnHigh]).toBe(1);
    expect(service(replica).environment).toBe('prod');
  });

  it('dead-letters a record that is not a CloudEvent and goes on', async () => {
    const { driver, pipe, read, counts } = setup(1);
    await driver.pipeInput(IN, [{ key: 'k', value: 'not json', timestamp: 1 }]);
    await driver.pipeInput(IN, [{ key: 'k', value: null, timestamp: 2 }]);
    const deadLetters = driver.readOutput(DLQ);
    expect(deadLetters.map((r) => String(r.headers[DEAD_LETTER_HEADERS.code]))).toEqual([
      'DECODE_JSON',
      'EMPTY_VALUE',
    ]);
    expect(String(deadLetters[0]?.value)).toBe('not json');
    expect(counts.get('dead_lettered')).toBe(2);

    await pipe(deployed('checkout', 'production', `pkg:oci/c@${DIGEST}`, '2024-05-01T10:00:00Z'));
    expect(read()).toHaveLength(1);
  });
});
