/**
 * The reference topology of the runtime: count records per key in tumbling
 * event-time windows and emit each window's final count once it closes.
 * Records too late for their window go to the late topic. It is the
 * workload of the runtime's exactly-once tests and benchmark, and a short
 * example of the processor API.
 */
import type { Processor, ProcessorContext } from '../processor.js';
import type { InputRecord } from '../record.js';
import type { Topology } from '../topology.js';
import { isWindowClosed, tumblingWindows, windowsFor, type WindowSpec } from '../windows.js';

export interface WindowedCountOptions {
  readonly applicationId: string;
  readonly inputTopic: string;
  readonly outputTopic: string;
  readonly lateTopic: string;
  readonly deadLetterTopic: string;
  readonly windowSizeMs: number;
  readonly graceMs: number;
  /** disorder allowed inside one input partition, ms; default 0 */
  readonly disorderMs?: number;
  /** how long an input partition that never delivered a record may stay empty before its watermark follows the clock, ms; default 0 */
  readonly idleMs?: number;
}

export interface WindowCount {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly count: number;
}

const STORE = 'windowed-counts';

class WindowedCountProcessor implements Processor {
  constructor(private readonly windows: WindowSpec) {}

  init(context: ProcessorContext): void {
    context.schedule('event-time', 0, () => {
      this.emitClosedWindows(context);
    });
  }

  process(record: InputRecord, context: ProcessorContext): void {
    const key = record.key?.toString() ?? '';
    const store = context.windowStore<number>(STORE);
    for (const window of windowsFor(this.windows, record.timestamp)) {
      if (record.timestamp < context.lateBefore || isWindowClosed(window, context.watermark)) {
        context.forward('late', {
          key: record.key,
          value: record.value,
          headers: { ...record.headers, 'cdstream-late-window-end': String(window.end) },
        });
        continue;
      }
      store.put(key, window.start, (store.get(key, window.start) ?? 0) + 1);
    }
  }

  private emitClosedWindows(context: ProcessorContext): void {
    const store = context.windowStore<number>(STORE);
    for (const start of store.windowStarts()) {
      const end = start + this.windows.sizeMs;
      if (!isWindowClosed({ start, end }, context.watermark)) break;
      for (const entry of store.entriesOf(start)) {
        const result: WindowCount = { key: entry.key, start, end, count: entry.value };
        context.forward('counts', {
          key: `${entry.key}@${start}`,
          value: JSON.stringify(result),
          timestamp: end - 1,
        });
        store.delete(entry.key, start);
      }
    }
  }
}

export function windowedCountTopology(options: WindowedCountOptions): Topology {
  const windows = tumblingWindows(options.windowSizeMs);
  return {
    applicationId: options.applicationId,
    stages: [
      {
        name: 'count',
        inputs: [options.inputTopic],
        outputs: { counts: { topic: options.outputTopic }, late: { topic: options.lateTopic } },
        stores: [{ name: STORE, kind: 'window' }],
        eventTimeOptions: {
          graceMs: options.graceMs,
          disorderMs: options.disorderMs,
          idleMs: options.idleMs,
        },
        deadLetterTopic: options.deadLetterTopic,
        processor: () => new WindowedCountProcessor(windows),
      },
    ],
  };
}
