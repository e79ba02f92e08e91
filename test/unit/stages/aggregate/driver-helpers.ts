import { decodeStructured } from '../../../../src/cloudevents/envelope.js';
import type { StageDefinition } from '../../../../src/runtime/topology.js';
import { TopologyTestDriver, type DriverRecord } from '../../../../src/runtime/test-driver.js';
import type { EnrichedRecord } from './enriched-events.js';

export const TOPICS = {
  input: 'enriched',
  metrics: 'metrics',
  incidents: 'incidents',
  late: 'late',
  deadLetter: 'dlq',
} as const;

export interface MetricsEvent {
  readonly id: string;
  readonly type: string;
  readonly time: string | undefined;
  readonly data: Record<string, unknown> & {
    service: string;
    environment: string;
    window: string;
    windowStart: string;
    final: boolean;
  };
}

export function metricsEvents(records: readonly DriverRecord[]): MetricsEvent[] {
  return records.map((record) => {
    const event = decodeStructured(record.value);
    return {
      id: event.attributes.id,
      type: event.attributes.type,
      time: event.attributes.time,
      data: event.data as MetricsEvent['data'],
    };
  });
}

/** `service/env window windowStart` → data, for one metrics type. */
export function byWindow(
  events: readonly MetricsEvent[],
  type: string,
): Map<string, MetricsEvent['data']> {
  const map = new Map<string, MetricsEvent['data']>();
  for (const event of events) {
    if (event.type !== type) continue;
    const { data } = event;
    map.set(`${data.service}/${data.environment} ${data.window} ${data.windowStart}`, data);
  }
  return map;
}

export function driverFor(stage: StageDefinition, partitions = 1): TopologyTestDriver {
  return new TopologyTestDriver(
    { applicationId: 'aggregate-test', stages: [stage] },
    { partitions },
  );
}

export async function pipe(
  driver: TopologyTestDriver,
  records: readonly EnrichedRecord[],
): Promise<void> {
  await driver.pipeInput(TOPICS.input, records);
}
