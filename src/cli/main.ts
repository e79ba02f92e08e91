#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';

const packageJson = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as { version: string };

export function buildProgram(): Command {
  return new Command('cdstream')
    .description(
      'Validate, enrich and aggregate CDEvents/CloudEvents on Kafka into DORA metrics and incidents.',
    )
    .version(packageJson.version)
    .showHelpAfterError()
    .addHelpText(
      'after',
      '\nExit codes: 0 success, 1 failure or invalid input, 2 usage error.\n' +
        'Environment: KAFKA_BROKERS, SCHEMA_REGISTRY_URL, LOG_LEVEL (see README).',
    );
}

await buildProgram().parseAsync(process.argv);
