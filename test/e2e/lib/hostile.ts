/**
 * Hostile input records: none of them is a valid event, every one must be
 * dead-lettered with a code and none may crash or bloat a worker. Each carries
 * a `bench-seq` header so its dead letter can be found.
 */
import { SEQ_HEADER } from '../../../bench/lib/events.js';
import { Random } from '../../../bench/lib/random.js';

export interface HostileRecord {
  readonly seq: number;
  readonly variant: string;
  readonly key: string;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
}

const STRUCTURED = 'application/cloudevents+json';

function event(seq: number, overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: `hostile-${seq}`,
    source: '/hostile',
    type: 'dev.cdevents.service.deployed.0.3.0',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: {
      context: {
        specversion: '0.5.1',
        id: `hostile-${seq}`,
        source: '/hostile',
        type: 'dev.cdevents.service.deployed.0.3.0',
        timestamp: new Date().toISOString(),
      },
      subject: { id: 'svc', content: { environment: { id: 'production' }, artifactId: 42 } },
    },
    ...overrides,
  };
}

function sbom(seq: number, xml: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      specversion: '1.0',
      id: `hostile-${seq}`,
      source: '/hostile',
      type: 'vmware.tanzu.apps.image.sbom.pushed.v1',
      datacontenttype: 'application/vnd.cyclonedx+xml;version=1.4',
      time: new Date().toISOString(),
      data: xml,
      image: 'registry.example/evil@sha256:' + 'a'.repeat(64),
      scanresults: 'registry.example/scan@sha256:' + 'b'.repeat(64),
      file: 'report.xml',
    }),
  );
}

const LAUGHS = [
  '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">',
  ...Array.from(
    { length: 9 },
    (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`,
  ),
  ']><bom xmlns="http://cyclonedx.org/schema/bom/1.4"><metadata><component type="container"><name>&lol9;</name></component></metadata></bom>',
].join('');
const XXE =
  '<?xml version="1.0"?><!DOCTYPE bom [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><bom xmlns="http://cyclonedx.org/schema/bom/1.4"><metadata><component type="container"><name>&xxe;</name></component></metadata></bom>';

type Variant = (seq: number, random: Random) => Buffer | null;

/** Variants by share of the mix; `large` values are ~900 KB, the most the broker accepts. */
export const HOSTILE_VARIANTS: readonly { name: string; weight: number; make: Variant }[] = [
  { name: 'random-bytes', weight: 20, make: (_s, r) => Buffer.from(r.bytes(50 + r.int(2000))) },
  {
    name: 'truncated-json',
    weight: 20,
    make: (s, r) => {
      const text = JSON.stringify(event(s, {}));
      return Buffer.from(text.slice(0, 1 + r.int(text.length - 2)));
    },
  },
  {
    name: 'deeply-nested-json',
    weight: 5,
    make: (s, r) => {
      const depth = 1_000 + r.int(100_000);
      return Buffer.from(
        `{"specversion":"1.0","id":"hostile-${s}","data":${'['.repeat(depth)}${']'.repeat(depth)}}`,
      );
    },
  },
  {
    name: 'wrong-typed-fields',
    weight: 20,
    make: (s, r) => {
      const wrong = [
        { id: s },
        { time: true },
        { source: ['/x'] },
        { type: null },
        { specversion: 1 },
      ];
      return Buffer.from(JSON.stringify(event(s, wrong[r.int(wrong.length)] ?? {})));
    },
  },
  { name: 'xml-bomb', weight: 5, make: (s) => sbom(s, LAUGHS) },
  { name: 'xml-external-entity', weight: 5, make: (s) => sbom(s, XXE) },
  {
    name: 'invalid-utf8',
    weight: 15,
    make: (s) => {
      const text = Buffer.from(JSON.stringify(event(s, { source: '/hostile/__' })));
      const at = text.indexOf('__');
      text[at] = 0xc3;
      text[at + 1] = 0x28;
      return text;
    },
  },
  { name: 'header-only', weight: 10, make: () => null },
  {
    name: 'large-value',
    weight: 0.02,
    make: (s) => Buffer.from(JSON.stringify(event(s, { padding: 'x'.repeat(900_000) }))),
  },
];

export function* hostileRecords(
  count: number,
  firstSeq: number,
  seed = 99,
): Generator<HostileRecord> {
  const random = new Random(seed);
  const total = HOSTILE_VARIANTS.reduce((sum, v) => sum + v.weight, 0);
  for (let i = 0; i < count; i++) {
    const seq = firstSeq + i;
    let roll = random.next() * total;
    const variant = HOSTILE_VARIANTS.find((v) => (roll -= v.weight) < 0) ?? HOSTILE_VARIANTS[0];
    if (!variant) throw new Error('no hostile variants');
    const headers: Record<string, string> = {
      [SEQ_HEADER]: String(seq),
      'content-type': STRUCTURED,
    };
    if (variant.name === 'header-only') {
      headers.ce_specversion = '1.0';
      headers.ce_id = `hostile-${seq}`;
    }
    yield {
      seq,
      variant: variant.name,
      key: `hostile-${seq % 97}`,
      value: variant.make(seq, random),
      headers,
    };
  }
}
