import { readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { STRUCTURED_CONTENT_TYPE } from '../../cloudevents/envelope.js';
import { buildTopology } from '../../config/pipeline.js';
import type { TopologyConfig } from '../../config/topology-config.js';
import { loadTopologyOrExit } from '../topology-arg.js';
import { TopologyTestDriver, type DriverRecord } from '../../runtime/test-driver.js';
import { inStreamTime, recordsOfFile } from '../input-records.js';

interface ReplayOptions {
  topology: string;
  out?: string;
}

/**
 * `cdstream replay --topology FILE INPUT...`: the whole topology in this
 * process on in-memory topics, no broker. Prints every output record.
 */
export function replayCommand(): Command {
  return new Command('replay')
    .description(
      'Run a topology in-process on in-memory topics (no broker) over files of events; print every output record as NDJSON.',
    )
    .requiredOption('--topology <file>', 'topology file (YAML)')
    .option('--out <file>', 'write the NDJSON here instead of stdout')
    .argument('<input...>', 'files of events: a JSON event, a JSON array, or NDJSON')
    .addHelpText(
      'after',
      '\nEach line: {"topic","partition","key","event"} for CloudEvents outputs (enriched, metrics, incidents, late),' +
        '\n{"topic","partition","key","headers","value"} for dead letters. At the end of input every window up to the last event time closes.' +
        '\nExit codes: 0 done, 1 a file could not be read, 2 usage or topology error.',
    )
    .action(async (inputs: string[], options: ReplayOptions) => {
      const config = loadTopologyOrExit(options.topology);
      const texts: string[] = [];
      for (const input of inputs) {
        try {
          texts.push(readFileSync(input, 'utf8'));
        } catch (error) {
          process.stderr.write(
            `cannot read ${input}: ${error instanceof Error ? error.message : String(error)}\n`,
          );
          process.exit(1);
        }
      }
      const lines = await replay(config, texts);
      const output = lines.map((line) => `${line}\n`).join('');
      if (options.out) writeFileSync(options.out, output);
      else process.stdout.write(output);
    });
}

/**
 * Replays texts of events through the topology; returns the output lines in
 * write order. `now` is the wall clock the stages see (default: the clock).
 * A record whose event names no time (a bad record) gets the time of the
 * record before it, so it does not move event time (`now` when it is first).
 */
export async function replay(
  config: TopologyConfig,
  texts: readonly string[],
  { now = Date.now() }: { now?: number } = {},
): Promise<string[]> {
  const driver = new TopologyTestDriver(buildTopology(config), {
    partitions: config.inputs.partitions,
    wallClockTime: now,
  });
  const input = config.inputs.topics[0] ?? 'cdstream.in';
  let streamTime: number | undefined;
  for (const text of texts) {
    const records = inStreamTime(recordsOfFile(text), streamTime ?? now);
    streamTime = records.at(-1)?.timestamp ?? streamTime;
    await driver.pipeInput(
      input,
      records.map((record) => ({
        key: record.key,
        value: record.value,
        timestamp: record.timestamp ?? now,
        headers: record.structured ? { 'content-type': STRUCTURED_CONTENT_TYPE } : {},
      })),
    );
  }
  await driver.closeWindowsUpTo(driver.maxStreamTime);
  const { outputs } = config;
  const topics = [
    outputs.enriched,
    outputs.metrics,
    outputs.incidents,
    outputs.late,
    outputs.deadLetter,
  ];
  return driver.recordsInWriteOrder(topics).map((record) => outputLine(record, outputs.deadLetter));
}

/** One NDJSON line: a CloudEvent with its topic, or a dead letter with its headers. */
export function outputLine(record: DriverRecord, deadLetterTopic: string): string {
  const key = record.key?.toString() ?? null;
  const base = { topic: record.topic, partition: record.partition, key };
  if (record.topic !== deadLetterTopic) {
    try {
      return JSON.stringify({
        ...base,
        event: JSON.parse(record.value?.toString() ?? 'null') as unknown,
      });
    } catch {
      // not JSON: printed as a dead letter would be
    }
  }
  const headers = Object.fromEntries(
    Object.entries(record.headers).map(([name, value]) => [name, value?.toString()]),
  );
  return JSON.stringify({ ...base, headers, value: record.value?.toString('utf8') ?? null });
}
