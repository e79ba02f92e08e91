/**
 * Tie-break of records with equal event times for the stages that process in
 * event-time order: the CloudEvent's source, then its id, so that every
 * interleaving of the same events gives the same order.
 */
import { decodeStructured } from '../cloudevents/envelope.js';
import type { InputRecord } from '../runtime/record.js';

export function cloudEventOrderKey(record: InputRecord): string {
  const { attributes } = decodeStructured(record.value);
  return JSON.stringify([attributes.source, attributes.id]);
}
