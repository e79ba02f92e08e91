/**
 * A realistic, deterministic mix of ~1 KB CloudEvents for benchmarks and the
 * fault suite: CDEvents of several types and versions (current and the seed
 * drafts), Tanzu AMR events (scan reports, locations), Knative ReplicaSets,
 * 1% bad records and a share of re-sent duplicates, keyed by service or
 * artifact, with event times spread over the last days.
 *
 * Every record carries a `bench-seq` header (the generator's sequence
 * number); a valid event's CloudEvents id is `<run>-<seq>`, so the outputs of
 * a run can be matched back to what was produced.
 */
import { createHash } from 'node:crypto';
import { Random } from './random.js';
import { SBOM_REPORTS } from './sbom-reports.js';

export type RecordKind = 'valid' | 'bad' | 'duplicate';

export interface GeneratedRecord {
  readonly seq: number;
  readonly kind: RecordKind;
  /** CloudEvents type; `bad` records name what they were meant to be */
  readonly type: string;
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
  /** event time (ms) */
  readonly eventTime: number;
  /** for duplicates: the seq of the original */
  readonly duplicateOf?: number;
  /** a valid event dated `lateByMs` back on purpose: ingest must send it to the late topic */
  readonly late?: boolean;
}

export interface GeneratorOptions {
  readonly run: string;
  readonly seed?: number;
  /** end of the event-time span, ms; default now */
  readonly now?: number;
  /** event times spread over this much time before `now`, ms; default 3 days */
  readonly spanMs?: number;
  /** releases of each service over the span; default 20 */
  readonly releases?: number;
  /**
   * ReplicaSets without owner or workload label (default false: owned by
   * their Deployment): cdstream then takes each ReplicaSet's name, a new one
   * per release, for a service of its own, so services come and go
   */
  readonly unownedReplicaSets?: boolean;
  readonly services?: number;
  readonly badShare?: number;
  readonly duplicateShare?: number;
  /**
   * share of valid events dated `lateByMs` before their place in the stream,
   * far beyond any partition's disorder allowance and grace: late on purpose.
   * Only after the first 5% of the stream, so every partition has a watermark
   * by then. Default 0.
   */
  readonly lateShare?: number;
  /** default 6 hours */
  readonly lateByMs?: number;
}

export const SEQ_HEADER = 'bench-seq';
export const DEPLOYED_PREFIX = 'dev.cdevents.service.deployed.';
const ENVIRONMENTS = ['production', 'staging', 'dev', 'qa', 'perf', 'eu-prod', 'us-prod'];
const TEAMS = ['payments', 'search', 'identity', 'checkout', 'catalog', 'billing', 'ml', 'infra'];
const FILLER = 'x'.repeat(256);

interface Context {
  readonly random: Random;
  readonly run: string;
  readonly seq: number;
  readonly eventTime: number;
  readonly service: string;
  readonly environment: string;
  readonly digest: string;
  readonly unownedReplicaSets: boolean;
}

interface Template {
  readonly weight: number;
  readonly type: string;
  readonly build: (c: Context) => { key: string; event: Record<string, unknown> };
}

const iso = (ms: number) => new Date(ms).toISOString();
const purlOf = (c: Context) => `pkg:oci/${c.service}@sha256%3A${c.digest}`;
const imageOf = (c: Context) => `registry.example/${c.service}@sha256:${c.digest}`;

/** CDEvents context with links, as the spec's conformance examples carry. */
function cdContext(c: Context, type: string, draft: boolean) {
  const id = `${c.run}-${c.seq}`;
  return {
    ...(draft ? { version: '0.2.0-draft' } : { specversion: '0.5.1' }),
    id,
    ...(draft ? {} : { chainId: `chain-${c.service}-${c.digest.slice(0, 12)}` }),
    source: `/ci/${c.environment}/${c.service}`,
    type,
    timestamp: iso(c.eventTime),
    ...(draft
      ? {}
      : {
          links: [
            {
              linkType: 'RELATION',
              linkKind: 'TRIGGER',
              target: { contextId: `ctx-${c.random.int(1e9)}` },
              tags: { team: TEAMS[c.seq % TEAMS.length] ?? 'infra', pipeline: 'main' },
            },
          ],
        }),
  };
}

function cdevent(
  type: string,
  draft: boolean,
  subject: (c: Context) => Record<string, unknown>,
  key: (c: Context) => string,
): Template['build'] {
  return (c) => ({
    key: key(c),
    event: {
      context: cdContext(c, type, draft),
      subject: { source: `/ci/${c.environment}/${c.service}`, ...subject(c) },
      customData: {
        commit: c.digest.slice(0, 40),
        triggeredBy: `bot-${c.service}`,
        notes: FILLER.slice(0, 200 + c.random.int(200)),
      },
      customDataContentType: 'application/json',
    },
  });
}

const byService = (c: Context) => `${c.service}|${c.environment}`;
const byArtifact = (c: Context) => purlOf(c);

const deployedContent = (c: Context) => ({
  environment: { id: c.environment, source: `/clusters/${c.environment}` },
  artifactId: purlOf(c),
});

const TEMPLATES: readonly Template[] = [
  {
    weight: 24,
    type: 'dev.cdevents.service.deployed.0.3.0',
    build: cdevent(
      'dev.cdevents.service.deployed.0.3.0',
      false,
      (c) => ({ id: c.service, content: deployedContent(c) }),
      byService,
    ),
  },
  {
    weight: 8,
    type: 'dev.cdevents.service.upgraded.0.3.0',
    build: cdevent(
      'dev.cdevents.service.upgraded.0.3.0',
      false,
      (c) => ({ id: c.service, content: deployedContent(c) }),
      byService,
    ),
  },
  {
    weight: 16,
    type: 'dev.cdevents.build.finished.0.3.0',
    build: cdevent(
      'dev.cdevents.build.finished.0.3.0',
      false,
      (c) => ({ id: `build-${c.service}-${c.seq}`, content: { artifactId: purlOf(c) } }),
      byArtifact,
    ),
  },
  {
    weight: 12,
    type: 'dev.cdevents.artifact.published.0.3.0',
    build: cdevent(
      'dev.cdevents.artifact.published.0.3.0',
      false,
      (c) => ({
        id: purlOf(c),
        content: { sbom: { uri: `https://sbom.example/${c.digest}.sbom` }, user: 'ci-bot' },
      }),
      byArtifact,
    ),
  },
  {
    weight: 4,
    type: 'dev.cdevents.incident.detected.0.3.0',
    build: cdevent(
      'dev.cdevents.incident.detected.0.3.0',
      false,
      (c) => ({ id: `incident-${c.service}-${c.seq % 97}`, content: incidentContent(c) }),
      byService,
    ),
  },
  {
    weight: 3,
    type: 'dev.cdevents.incident.detected.0.1.0-draft',
    build: cdevent(
      'dev.cdevents.incident.detected.0.1.0-draft',
      true,
      (c) => ({ id: `incident-${c.service}-${c.seq % 97}`, content: incidentContent(c) }),
      byService,
    ),
  },
  {
    weight: 4,
    type: 'dev.cdevents.incident.resolved.0.3.0',
    build: cdevent(
      'dev.cdevents.incident.resolved.0.3.0',
      false,
      (c) => ({ id: `incident-${c.service}-${c.seq % 97}`, content: incidentContent(c) }),
      byService,
    ),
  },
  { weight: 4, type: 'vmware.tanzu.apps.image.sbom.pushed.v1', build: sbomPushed },
  { weight: 8, type: 'dev.knative.apiserver.resource.add', build: replicaSet },
  { weight: 1, type: 'vmware.tanzu.apps.location.created.v1', build: locationCreated },
];

function incidentContent(c: Context) {
  return {
    description: `p99 latency of ${c.service} above ${100 + c.random.int(900)} ms`,
    environment: { id: c.environment },
    service: { id: c.service },
    artifactId: purlOf(c),
  };
}

function cloudEvent(c: Context, type: string, rest: Record<string, unknown>) {
  return {
    specversion: '1.0',
    id: `${c.run}-${c.seq}`,
    source: `/amr/${c.environment}`,
    type,
    time: iso(c.eventTime),
    ...rest,
  };
}

function sbomPushed(c: Context) {
  const report = SBOM_REPORTS[c.seq % SBOM_REPORTS.length] ?? SBOM_REPORTS[0];
  if (!report) throw new Error('no scan report templates');
  return {
    key: imageOf(c),
    event: cloudEvent(c, 'vmware.tanzu.apps.image.sbom.pushed.v1', {
      subject: `/apis/app-scanning.apps.tanzu.vmware.com/v1alpha1/namespaces/${c.environment}/imagevulnerabilityscans/${c.service}-${c.seq}`,
      datacontenttype: report.contentType,
      data: report.data(c.service, c.digest),
      name: `${c.service}-scan-${c.seq}`,
      namespace: c.environment,
      image: imageOf(c),
      scanresults: `registry.example/scan-results@sha256:${c.digest}`,
      file: report.file,
      workloadname: c.service,
    }),
  };
}

function replicaSet(c: Context) {
  const hash = c.digest.slice(0, 5);
  const name = `${c.service}-${hash}`;
  return {
    key: `${c.environment}/${name}`,
    event: cloudEvent(c, 'dev.knative.apiserver.resource.add', {
      source: `https://k8s-${c.environment}.example:443`,
      subject: `/apis/apps/v1/namespaces/${c.environment}/replicasets/${name}`,
      datacontenttype: 'application/json',
      data: {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name,
          namespace: c.environment,
          labels: { 'app.kubernetes.io/part-of': c.service, 'pod-template-hash': hash },
          annotations: { 'deployment.kubernetes.io/revision': String(1 + (c.seq % 40)) },
          // as Kubernetes makes them: a Deployment's ReplicaSet names it its owner, so a
          // release is a new ReplicaSet of the same service, not a new service
          ...(c.unownedReplicaSets
            ? {}
            : {
                ownerReferences: [
                  { apiVersion: 'apps/v1', kind: 'Deployment', name: c.service, controller: true },
                ],
              }),
        },
        spec: {
          replicas: 1 + c.random.int(5),
          template: {
            spec: { containers: [{ name: 'workload', image: imageOf(c) }] },
          },
        },
      },
    }),
  };
}

function locationCreated(c: Context) {
  return {
    key: `cluster-${c.environment}`,
    event: cloudEvent(c, 'vmware.tanzu.apps.location.created.v1', {
      datacontenttype: 'application/json',
      data: {
        cluster: `k8s-${c.environment}`,
        labels: { environment: c.environment, region: c.seq % 2 ? 'eu' : 'us' },
      },
    }),
  };
}

/** Bad records: what producers really get wrong. */
const BAD_VARIANTS: readonly ((r: Random) => Buffer)[] = [
  () => Buffer.from('{"specversion":"1.0","id":"x","type":'),
  () => Buffer.from(JSON.stringify({ specversion: '1.0', source: '/x', type: 'a.b' })),
  (r) =>
    Buffer.from(
      JSON.stringify({
        context: {
          specversion: '0.5.1',
          id: `bad-${r.int(1e9)}`,
          source: '/ci',
          type: 'dev.cdevents.service.deployed.0.3.0',
          timestamp: 'yesterday',
        },
        subject: { id: 'svc', content: { environment: { id: 'production' } } },
      }),
    ),
  (r) => Buffer.from(r.bytes(200)),
  // schema-registry framing (magic byte 0, schema id 999999) of no real schema: needs the registry
  (r) => Buffer.concat([Buffer.from([0, 0, 0x0f, 0x42, 0x3f]), r.bytes(60)]),
];

export class EventGenerator {
  private readonly random: Random;
  private readonly now: number;
  private readonly spanMs: number;
  private readonly totalWeight: number;
  private readonly recent: GeneratedRecord[] = [];
  private seq = 0;
  private bytes = 0;

  constructor(
    private readonly count: number,
    private readonly options: GeneratorOptions,
  ) {
    this.random = new Random(options.seed ?? 42);
    this.now = options.now ?? Date.now();
    this.spanMs = options.spanMs ?? 3 * 86_400_000;
    this.totalWeight = TEMPLATES.reduce((sum, t) => sum + t.weight, 0);
  }

  /** average value size of the records generated so far */
  get averageBytes(): number {
    return this.seq === 0 ? 0 : this.bytes / this.seq;
  }

  *records(): Generator<GeneratedRecord> {
    const badShare = this.options.badShare ?? 0.01;
    const duplicateShare = this.options.duplicateShare ?? 0.005;
    const lateShare = this.options.lateShare ?? 0;
    while (this.seq < this.count) {
      const seq = this.seq++;
      // event time moves forward with the stream, a few minutes out of order
      const progress = seq / this.count;
      const onTime = Math.round(
        this.now - this.spanMs + progress * this.spanMs - this.random.int(600_000),
      );
      const late = lateShare > 0 && progress > 0.05 && this.random.next() < lateShare;
      const eventTime = late ? onTime - (this.options.lateByMs ?? 6 * 3_600_000) : onTime;
      const generated = this.next(seq, eventTime, badShare, duplicateShare);
      const record = late && generated.kind === 'valid' ? { ...generated, late } : generated;
      this.bytes += record.value.length;
      yield record;
    }
  }

  private next(
    seq: number,
    eventTime: number,
    badShare: number,
    duplicateShare: number,
  ): GeneratedRecord {
    const roll = this.random.next();
    const original = this.recent[this.random.int(this.recent.length)];
    if (roll < duplicateShare && original?.kind === 'valid') return this.duplicate(seq, original);
    if (roll < duplicateShare + badShare) return this.bad(seq, eventTime);
    const record = this.valid(seq, eventTime);
    if (this.recent.length < 256) this.recent.push(record);
    else this.recent[seq % 256] = record;
    return record;
  }

  private context(seq: number, eventTime: number): Context {
    const services = this.options.services ?? 400;
    const s = this.random.int(services);
    return {
      random: this.random,
      run: this.options.run,
      seq,
      eventTime,
      service: `${TEAMS[s % TEAMS.length] ?? 'infra'}-svc-${s}`,
      environment: ENVIRONMENTS[this.random.int(ENVIRONMENTS.length)] ?? 'production',
      digest: this.release(s, seq),
      unownedReplicaSets: this.options.unownedReplicaSets ?? false,
    };
  }

  /** the image a service runs: ~20 releases over the span (`releases`), the newest two live at a time */
  private release(service: number, seq: number): string {
    const release =
      Math.floor((seq / this.count) * (this.options.releases ?? 20)) + this.random.int(2);
    return createHash('sha256').update(`${this.options.run}/${service}/${release}`).digest('hex');
  }

  private valid(seq: number, eventTime: number): GeneratedRecord {
    const template = this.pick();
    const { key, event } = template.build(this.context(seq, eventTime));
    const binary = seq % 4 === 3 && 'specversion' in event;
    const headers: Record<string, string> = { [SEQ_HEADER]: String(seq) };
    let value: Buffer;
    if (binary) {
      const { data, ...attributes } = event as { data?: unknown } & Record<string, unknown>;
      for (const [name, attribute] of Object.entries(attributes)) {
        if (name === 'datacontenttype') headers['content-type'] = String(attribute);
        else headers[`ce_${name}`] = String(attribute);
      }
      value = Buffer.from(typeof data === 'string' ? data : JSON.stringify(data));
    } else {
      const structured = 'specversion' in event ? event : wrap(template.type, event, seq, this);
      headers['content-type'] = 'application/cloudevents+json; charset=utf-8';
      value = Buffer.from(JSON.stringify(structured));
    }
    return { seq, kind: 'valid', type: template.type, key, value, headers, eventTime };
  }

  private bad(seq: number, eventTime: number): GeneratedRecord {
    const variant = BAD_VARIANTS[seq % BAD_VARIANTS.length] ?? BAD_VARIANTS[0];
    if (!variant) throw new Error('no bad variants');
    return {
      seq,
      kind: 'bad',
      type: 'bad',
      key: `bad-${seq % 50}`,
      value: variant(this.random),
      headers: { [SEQ_HEADER]: String(seq), 'content-type': 'application/cloudevents+json' },
      eventTime,
    };
  }

  private duplicate(seq: number, original: GeneratedRecord): GeneratedRecord {
    return {
      ...original,
      seq,
      kind: 'duplicate',
      duplicateOf: original.seq,
      headers: { ...original.headers, [SEQ_HEADER]: String(seq) },
    };
  }

  private pick(): Template {
    let roll = this.random.next() * this.totalWeight;
    for (const template of TEMPLATES) {
      roll -= template.weight;
      if (roll < 0) return template;
    }
    return TEMPLATES[0] as Template;
  }

  /** source of a CDEvent carried in a CloudEvent, for wrap() */
  idOf(seq: number): string {
    return `${this.options.run}-${seq}`;
  }
}

/** A CDEvent travels in a CloudEvent whose type is the CDEvent's and whose data is the CDEvent. */
function wrap(type: string, cdevent: Record<string, unknown>, seq: number, g: EventGenerator) {
  const context = cdevent.context as { source: string; timestamp: string };
  return {
    specversion: '1.0',
    id: g.idOf(seq),
    source: context.source,
    type,
    time: context.timestamp,
    datacontenttype: 'application/json',
    data: cdevent,
  };
}
