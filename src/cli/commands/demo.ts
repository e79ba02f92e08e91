import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { loadTopologyOrExit } from '../topology-arg.js';
import { connectionsFromEnvironment } from '../connections.js';
import { isolatedConfig, runPipeline } from '../demo/pipeline-run.js';
import { summarise } from '../demo/summary.js';
import { sampleStream } from '../sample-stream.js';

interface DemoOptions {
  topology: string;
  sampleDir: string;
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
    .addHelpText(
      'after',
      '\nThe topology runs under a fresh application id and topic names (cdstream.demo.<run>.*), so every run starts clean.' +
        '\nExit codes: 0 done, 1 the pipeline failed or timed out, 2 usage or topology error.',
    )
    .action(async (options: DemoOptions) => {
      const say = (line = '') => process.stdout.write(`${line}\n`);
      const base = loadTopologyOrExit(options.topology);
      const runId = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
      const config = isolatedConfig(base, runId);
      const sample = sampleStream(Date.now(), runId);
      mkdirSync(options.sampleDir, { recursive: true });
      const samplePath = join(options.sampleDir, `sample-${runId}.ndjson`);
      writeFileSync(samplePath, `${sample.lines.join('\n')}\n`);

      const connections = connectionsFromEnvironment();
      say(
        `cdstream demo: ${options.topology} as ${config.applicationId} on ${connections.brokers.join(',')}`,
      );
      const result = await runPipeline(config, connections, sample.lines, (step) => {
        say(`  ✓ ${step}`);
      });
      say(
        `  ✓ read ${result.records.length} output records (${result.seconds.toFixed(1)} s in all)`,
      );
      say();
      for (const line of summarise(result.records, config)) say(line);
      const { outputs } = config;
      say();
      say('Where to look');
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
      process.exit(0);
    });
}
