/**
 * What the output topics say happened to every input record, read with
 * read_committed: the ingest repartition topic holds the processed events
 * (broadcast location events once per partition), the dead-letter topic the
 * rejected ones with their code; metrics are compared window by window.
 */
import type { Kafka } from '../../../src/runtime/kafka/kafkajs.js';
import { SEQ_HEADER } from '../../../bench/lib/events.js';
import { readTopic } from '../../../bench/lib/kafka.js';
import { seqOf } from '../../../bench/lib/latency.js';

export interface Outcomes {
  /** seq → copies seen in the repartition topic */
  readonly processed: Map<number, number>;
  /** seq → copies seen in the late topic (decided at ingest) */
  readonly late: Map<number, number>;
  /** seq → dead-letter codes */
  readonly deadLettered: Map<number, string[]>;
}

export async function readOutcomes(
  client: Kafka,
  run: string,
  repartition: string,
  deadLetter: string,
  groupPrefix: string,
  lateTopic?: string,
): Promise<Outcomes> {
  const processed = new Map<number, number>();
  const late = new Map<number, number>();
  const deadLettered = new Map<number, string[]>();
  await readTopic(client, repartition, `${groupPrefix}-read-repartition`, (record) => {
    if (record.value === null) return; // a watermark record, not an event
    const seq = seqOf({}, record.value, run);
    processed.set(seq, (processed.get(seq) ?? 0) + 1);
  });
  await readTopic(client, deadLetter, `${groupPrefix}-read-dlq`, (record) => {
    const seq = Number(record.headers[SEQ_HEADER] ?? -1);
    const code = record.headers['cdstream-error-code'] ?? '(no code)';
    deadLettered.set(seq, [...(deadLettered.get(seq) ?? []), code]);
  });
  if (lateTopic !== undefined) {
    await readTopic(client, lateTopic, `${groupPrefix}-read-late`, (record) => {
      const seq = seqOf(record.headers, record.value, run);
      late.set(seq, (late.get(seq) ?? 0) + 1);
    });
  }
  return { processed, late, deadLettered };
}

interface MetricData {
  service?: string;
  environment?: string;
  window?: string;
  windowStartMs?: number;
  incidentId?: string;
}

/** window identity → every value emitted for it (JSON of the data) */
export async function readMetrics(
  client: Kafka,
  topic: string,
  groupId: string,
): Promise<Map<string, string[]>> {
  const windows = new Map<string, string[]>();
  await readTopic(client, topic, groupId, (record) => {
    const event = JSON.parse(record.value?.toString() ?? '{}') as {
      type?: string;
      data?: MetricData;
    };
    const d = event.data ?? {};
    const id = [event.type, d.service, d.environment, d.window, d.windowStartMs, d.incidentId].join(
      '|',
    );
    windows.set(id, [...(windows.get(id) ?? []), JSON.stringify(d)]);
  });
  return windows;
}

export interface MetricsComparison {
  readonly windows: number;
  /** windows emitted more than once with different values, in either run */
  readonly conflicting: string[];
  /** windows missing from one run or with another value */
  readonly different: string[];
}

export function compareMetrics(
  clean: Map<string, string[]>,
  faulted: Map<string, string[]>,
): MetricsComparison {
  const conflicting = [...clean, ...faulted]
    .filter(([, values]) => new Set(values).size > 1)
    .map(([id]) => id);
  const different: string[] = [];
  for (const id of new Set([...clean.keys(), ...faulted.keys()])) {
    const a = clean.get(id)?.[0];
    const b = faulted.get(id)?.[0];
    if (a !== b) different.push(`${id}: clean ${a ?? 'missing'}, faulted ${b ?? 'missing'}`);
  }
  return { windows: clean.size, conflicting, different };
}
