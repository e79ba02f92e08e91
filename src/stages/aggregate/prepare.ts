/**
 * What the aggregate keeps of an enriched event while it waits for event-time
 * order: the one delivery fact it folds in, attributed to a service and an
 * environment, read once. The join can send the fact itself on the internal
 * topic (header `cdstream-fact: delivery`), so that the repartition topic
 * carries a few hundred bytes instead of the whole event, and events the
 * aggregate has nothing to do with do not cross Kafka a third time.
 */
import { decodeStructured, type CloudEventEnvelope } from '../../cloudevents/envelope.js';
import type { InputRecord } from '../../runtime/record.js';
import { headerText } from '../../runtime/record.js';
import type { PreparedRecord } from '../../runtime/topology.js';
import { DELIVERY_FACT, FACT_HEADER } from '../internal-headers.js';
import { readFact, type DeliveryFact } from './facts.js';
import type { ServiceScope } from './emit.js';

export type AttributedFact = Exclude<DeliveryFact, { kind: 'other' }> & ServiceScope;

/** A delivery fact as it travels on the internal topic and waits in the buffer. */
interface FactRecord {
  readonly fact: AttributedFact;
  /** the event's CloudEvents source and id: ties of equal event times */
  readonly orderKey: string;
}

type Skipped = 'records.ignored' | 'records.unattributed';

function factRecordOf(
  event: CloudEventEnvelope,
  eventTime: number,
  factHeader: string | undefined,
): FactRecord | Skipped {
  const fact = readFact(event, eventTime, factHeader);
  if (fact.kind === 'other') return 'records.ignored';
  if (fact.service === undefined || fact.environment === undefined) return 'records.unattributed';
  return {
    fact: { ...fact, service: fact.service, environment: fact.environment },
    orderKey: JSON.stringify([event.attributes.source, event.attributes.id]),
  };
}

/**
 * The record the join sends towards the aggregate for one enriched event,
 * or origin or change fact (`factHeader`: what it is), or undefined when the
 * aggregate would ignore it.
 */
export function deliveryFactRecord(
  event: CloudEventEnvelope,
  eventTime: number,
  factHeader: string | undefined,
): { value: string; headers: Record<string, string> } | undefined {
  const record = factRecordOf(event, eventTime, factHeader);
  if (typeof record === 'string') return undefined;
  return { value: JSON.stringify(record), headers: { [FACT_HEADER]: DELIVERY_FACT } };
}

/** The aggregate's `prepare`: a fact record from the join, or an enriched CloudEvent read here. */
export function prepareDeliveryFact(
  record: InputRecord,
  count: (name: string) => void,
): PreparedRecord | undefined {
  const kind = headerText(record.headers, FACT_HEADER);
  const factRecord =
    kind === DELIVERY_FACT
      ? (JSON.parse(String(record.value)) as FactRecord)
      : factRecordOf(decodeStructured(record.value), record.timestamp, kind);
  if (typeof factRecord === 'string') {
    count(factRecord);
    return undefined;
  }
  return { prepared: factRecord.fact, orderKey: factRecord.orderKey };
}
