import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { rfc3339Millis } from '../../validation/timestamps.js';
import { loadTopologyOrExit } from '../topology-arg.js';
import { connectionsFromEnvironment } from '../connections.js';
import { isolatedConfig, runPipeline } from '../demo/pipeline-run.js';
import { duration, summarise } from '../demo/summary.js';
import { sampleStream } from '../sample-stream.js';
import { avroDecoderOf, reportEventsOf, reportTopics } from '../report-topics.js';
import { topicsSource, writeReport } from './report.js';

interface DemoOptions {
  topology: string;
  sampleDir: string;
  now?: string;
}

/** how far ahead of this machine's clock `--now` may be (clocks of one machine, read twice) */
const NOW_TOLERANCE_MS = 1_000;
/**
 * How far back `--now` may be. The sample starts up to 4 days 2 hours
 * before `--now`; with a broker's default 7-day retention its first records
 * must not be older than that, or the broker may delete them mid-run.
 */
const NOW_MAX_AGE_MS = 2 * 86_400_000;

/**
 * `--now` as epoch ms: the clock when absent; a usage error (exit 2) when it
 * is not RFC 3339, ahead of the clock, or too far back.
 */
export function parseNow(text: string | undefined, clock: number): number | string {
  if (text === undefined) return clock;
  const now = rfc3339Millis(text);
  if (now === undefined) {
    return `--now ${JSON.stringify(text)} is not an RFC 3339 date-time such as 2026-11-30T00:05:00Z`;
  }
  if (now > clock + NOW_TOLERANCE_MS) {
    return `--now ${text} is ${duration(now - clock)} ahead of this machine's clock (${new Date(clock).toISOString()}); the broker refuses records from the future: give a moment at or before now`;
  }
  if (clock - now > NOW_MAX_AGE_MS) {
    return `--now ${text} is more than ${duration(NOW_MAX_AGE_MS)} before the clock; the sample's first records would be older than the broker's default 7-day retention: give a moment within the last 2 days`;
  }
  return now;
}

/** `cdstream demo`: what `npm start` runs once the local services are up. */
export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'Run the whole pipeline on a sample stream against the broker and show what came out (what `npm start` does).',
    )
    .option('--topology <file>', 'topology file (YAML)', 'topologies/default.yaml')
    .option(
      '--sample-dir <dir>',
      'where the sample stream is written, for `cdstream replay`',
      '.local/demo',
    )
    .option(
      '--now <time>',
      'lay the sample out as of this RFC 3339 moment (at most 1 s ahead of the clock, at most 2 days back); default: the clock',
    )
    .addHelpText(
      'after',
      '\nThe topology runs under a fresh application id and topic names (cdstream.demo.<run>.*), so every run starts clean.' +
        '\nThe sample spans the four UTC days before --now, its latest event at 02:00 of the last one, never after --now.' +
        '\nA record the broker refuses ends the demo with one line naming it (sample file:line, event) and why.' +
        '\nExit codes: 0 done, 1 the pipeline failed, timed out or a record was refused, 2 usage or topology error.',
    )
    .action(async (options: DemoOptions) => {
      const say = (line = '') => process.stdout.write(`${line}\n`);
      const clock = Date.now();
      const now = parseNow(options.now, clock);
      if (typeof now === 'string') {
        process.stderr.write(`${now}\n`);
        process.exit(2);
      }
      const base = loadTopologyOrExit(options.topology);
      const runId = new Date(clock).toISOString().replace(/[-:T]/g, '').slice(0, 14);
      const config = isolatedConfig(base, runId);
      const sample = sampleStream(now, runId);
      mkdirSync(options.sampleDir, { recursive: true });
      const samplePath = join(options.sampleDir, `sample-${runId}.ndjson`);
      writeFileSync(samplePath, `${sample.lines.join('\n')}\n`);

      const connections = connectionsFromEnvironment();
      const { outputs } = config;
      const prefix = `cdstream.demo.${runId}`;
      say(
        `cdstream demo: the pipeline of ${options.topology} on a sample stream, as of ${new Date(now).toISOString()}`,
      );
      say();
      say(
        `Services  Kafka ${connections.brokers.join(',')}; ${connections.registryUrl ? `schema registry ${connections.registryUrl}` : 'no schema registry'}`,
      );
      say(
        `Topics    ${prefix}.{in,enriched,metrics,incidents,late,dlq}, new for this run (application ${config.applicationId})`,
      );
      say(`Sample    ${sample.lines.length} records, ${sample.story}`);
      say(`          in ${samplePath}`);
      say();
      const result = await runPipeline(
        config,
        connections,
        sample.lines,
        (step) => {
          say(`  ✓ ${step}`);
        },
        {},
        { file: samplePath },
      );
      const count = (topic: string) => result.records.filter((r) => r.topic === topic).length;
      say(
        `  ✓ read back ${result.records.length} records: ${count(outputs.enriched)} enriched, ${count(outputs.metrics)} metrics, ` +
          `${count(outputs.incidents)} incidents, ${count(outputs.late)} late, ${count(outputs.deadLetter)} dead letters (${result.seconds.toFixed(1)} s in all)`,
      );
      say();
      for (const line of summarise(result.records, config)) say(line);
      say();
      say('Where to look next');
      say(`  sample stream      ${samplePath}`);
      say(
        `  replay offline     node dist/cli/main.js replay --topology ${options.topology} ${samplePath}`,
      );
      for (const [name, topic] of [
        ['enriched events', outputs.enriched],
        ['DORA metrics', outputs.metrics],
        ['incidents', outputs.incidents],
        ['dead letters', outputs.deadLetter],
      ] as const) {
        say(`  ${name.padEnd(18)} node dist/cli/main.js tail ${topic} --from-beginning`);
      }
      const shown = new Set(reportTopics(config));
      const avro = avroDecoderOf(connections);
      const events = [];
      for (const record of result.records.filter((r) => shown.has(r.topic))) {
        events.push(...(await reportEventsOf(record.message, avro)));
      }
      say();
      say(
        `report: ${writeReport(join(options.sampleDir, `report-${runId}.html`), events, topicsSource([...shown]))}`,
      );
      process.exit(0);
    });
}
