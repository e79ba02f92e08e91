/**
 * Watermark records: how a task tells every partition of an internal topic
 * how far its event time has come. They carry no value; the reader takes
 * them out of the stream before any processor sees a record.
 */
import { headerText, type ProducedRecord, type RawRecordLike } from './record.js';

export const WATERMARK_HEADERS = {
  /** the watermark, epoch ms as decimal text */
  time: 'cdstream-watermark',
  /** the writing task, `<stage>-<partition>` */
  task: 'cdstream-watermark-task',
} as const;

export function watermarkRecord(
  topic: string,
  partition: number,
  task: string,
  time: number,
): ProducedRecord {
  return {
    topic,
    partition,
    key: task,
    value: null,
    timestamp: Math.max(0, time),
    headers: { [WATERMARK_HEADERS.time]: String(time), [WATERMARK_HEADERS.task]: task },
  };
}

export function readWatermark(record: RawRecordLike): { task: string; time: number } | undefined {
  if (record.value !== null) return undefined;
  const time = headerText(record.headers, WATERMARK_HEADERS.time);
  const task = headerText(record.headers, WATERMARK_HEADERS.task);
  if (time === undefined || task === undefined) return undefined;
  const parsed = Number(time);
  return Number.isFinite(parsed) ? { task, time: parsed } : undefined;
}
