/**
 * Worker processes of the reference topology, for fleet tests: spawn, SIGKILL,
 * SIGTERM, and wait for what they print.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

const WORKER_MAIN = fileURLToPath(
  new URL('../../../dist/cli/reference-worker.js', import.meta.url),
);
const CLI_MAIN = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));

export interface WorkerProcess {
  readonly process: ChildProcess;
  readonly output: string[];
  /** resolves with the first printed line that matches */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  readonly exited: Promise<number | null>;
}

export function startReferenceWorker(args: readonly string[]): WorkerProcess {
  return startNode(WORKER_MAIN, args);
}

/** The node options of the CLI's shebang (`#!/usr/bin/env -S node OPTIONS`), as the bin runs it. */
function shebangOptions(main: string): string[] {
  const first = readFileSync(main, 'utf8').split('\n', 1)[0] ?? '';
  const words = first.replace(/^#!/, '').trim().split(/\s+/);
  return words.slice(words.indexOf('node') + 1);
}

/** `cdstream <args>` from the build, with the node options its bin starts with, against the test broker and registry. */
export function startCdstream(args: readonly string[], env: NodeJS.ProcessEnv = {}): WorkerProcess {
  return startNode(CLI_MAIN, args, env, existsSync(CLI_MAIN) ? shebangOptions(CLI_MAIN) : []);
}

function startNode(
  main: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  nodeOptions: readonly string[] = [],
): WorkerProcess {
  if (!existsSync(main)) {
    throw new Error(`${main} is missing: run "npm run build" before the integration tests`);
  }
  const child = spawn(process.execPath, [...nodeOptions, main, ...args], {
    env: {
      ...process.env,
      KAFKA_BROKERS: inject('kafkaBrokers').join(','),
      SCHEMA_REGISTRY_URL: inject('schemaRegistryUrl'),
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const onLine = (line: string) => {
    output.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  let buffered = '';
  const onData = (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    lines.forEach(onLine);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return {
    process: child,
    output,
    exited,
    waitForLine(pattern, timeoutMs = 60_000) {
      const seen = output.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(
              `worker ${child.pid} printed no line matching ${pattern} in ${timeoutMs} ms; last lines:\n${output.slice(-10).join('\n')}`,
            ),
          );
        }, timeoutMs);
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
  };
}

export async function kill(worker: WorkerProcess, signal: NodeJS.Signals): Promise<number | null> {
  worker.process.kill(signal);
  return worker.exited;
}
