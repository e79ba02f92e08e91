#!/usr/bin/env -S node --max-semi-space-size=16
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { dashboardCommand } from './commands/dashboard.js';
import { demoCommand } from './commands/demo.js';
import { produceCommand } from './commands/produce.js';
import { purlCommand } from './commands/purl.js';
import { replayCommand } from './commands/replay.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { tailCommand } from './commands/tail.js';
import { topicsCommand } from './commands/topics.js';
import { validateCommand } from './commands/validate.js';
import { exitWithError } from './errors.js';

const packageJson = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as { version: string };

/** Each command lives in its own module under ./commands and registers itself here. */
export function buildProgram(): Command {
  const program = new Command('cdstream')
    .description(
      'Validate, enrich and aggregate CDEvents/CloudEvents on Kafka into DORA metrics and incidents.',
    )
    .version(packageJson.version)
    .showHelpAfterError()
    .addHelpText(
      'after',
      '\nExit codes: 0 success, 1 failure or invalid input, 2 usage or configuration error.\n' +
        'An unexpected error ends a command with one line; LOG_LEVEL=debug adds its stack trace.\n' +
        'Environment: KAFKA_BROKERS, SCHEMA_REGISTRY_URL, LOG_LEVEL (see README).',
    );
  // Usage errors exit with 2, so scripts can tell them from invalid input (1).
  program.exitOverride((error) => {
    process.exit(error.exitCode === 0 ? 0 : 2);
  });
  program.addCommand(purlCommand().copyInheritedSettings(program));
  program.addCommand(validateCommand().copyInheritedSettings(program));
  program.addCommand(runCommand().copyInheritedSettings(program));
  program.addCommand(topicsCommand().copyInheritedSettings(program));
  program.addCommand(replayCommand().copyInheritedSettings(program));
  program.addCommand(demoCommand().copyInheritedSettings(program));
  program.addCommand(produceCommand().copyInheritedSettings(program));
  program.addCommand(tailCommand().copyInheritedSettings(program));
  program.addCommand(reportCommand().copyInheritedSettings(program));
  program.addCommand(dashboardCommand().copyInheritedSettings(program));
  return program;
}

// `cdstream tail … | head` closes the pipe early: that is not an error
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

// Whatever fails unexpectedly, here or in a background task of kafkajs, ends
// the command with one line and the documented exit code, not a stack trace.
const commandName = process.argv.slice(2).find((arg) => !arg.startsWith('-')) ?? '';
process.on('uncaughtException', (error) => exitWithError(commandName, error));
process.on('unhandledRejection', (error) => exitWithError(commandName, error));
try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  exitWithError(commandName, error);
}
