/**
 * How long a restarted host takes to be ready again, and how much work the
 * restart repeats: one `cdstream run --workers 1` of a copy of the default
 * topology replays an input and stops; then `cdstream run --workers N` is
 * started on that state again and again. Each start is timed from the spawn
 * to the first 200 of its /readyz (every task of every worker restored and
 * running, no partition held twice), with the tasks it revoked at start-up
 * and the changelog records it restored (the state once is what a single
 * worker restores; more is the price of partitions that moved while their
 * state was being read).
 *
 *   npm run build && npm run bench:restart [-- --records 100000 --workers 2 --restarts 3 --partitions 12]
 *
 * Figures, never assertions.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { EventGenerator } from './lib/events.js';
import {
  committedPast,
  createTopics,
  deleteTopicsWithPrefix,
  endOffsets,
  kafka,
  produceAll,
  toMessage,
} from './lib/kafka.js';
import { startChild, type Child } from './lib/proc.js';
import { pipelineNames, writeTopology } from './lib/topology.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    workers: { type: 'string', default: '2' },
    restarts: { type: 'string', default: '3' },
    partitions: { type: 'string', default: '12' },
    'keep-topics': { type: 'boolean', default: false },
  },
});
const RECORDS = Number(values.records);
const WORKERS = Number(values.workers);
const RESTARTS = Number(values.restarts);
const PARTITIONS = Number(values.partitions);
for (const [flag, value] of Object.entries({
  records: RECORDS,
  workers: WORKERS,
  restarts: RESTARTS,
  partitions: PARTITIONS,
})) {
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${flag} takes a whole number of at least 1`);
    process.exit(2);
  }
}

const cli = new URL('../dist/cli/main.js', import.meta.url).pathname;
const run = `restart-${randomUUID().slice(0, 8)}`;
const names = pipelineNames(run);
const file = writeTopology(
  new URL(`../.local/bench/${run}.yaml`, import.meta.url).pathname,
  names,
  PARTITIONS,
  { inputs: { avro: false } },
);
const client = kafka(run);

function host(workers: number, port: number): Child {
  return startChild(
    process.execPath,
    [cli, 'run', '--topology', file, '--workers', String(workers)],
    {
      CDSTREAM_HTTP_PORT: String(port),
      LOG_LEVEL: 'info',
    },
  );
}

async function readyAfterMs(child: Child, port: number, started: number): Promise<number> {
  for (;;) {
    const exited = await Promise.race([
      child.exited.then(() => true),
      new Promise<false>((resolve) => {
        setTimeout(() => {
          resolve(false);
        }, 100);
      }),
    ]);
    if (exited)
      throw new Error(
        `cdstream run exited before it was ready:\n${child.output.slice(-15).join('\n')}`,
      );
    const status = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return performance.now() - started;
  }
}

/** tasks revoked and changelog records restored, from the host's log lines */
function startUpWork(lines: readonly string[]): { revoked: number; restored: number } {
  let revoked = 0;
  let restored = 0;
  for (const line of lines) {
    if (line.includes('closed (revoked)')) revoked++;
    const match = /restored (\d+) changelog records/.exec(line);
    if (match?.[1] !== undefined) restored += Number(match[1]);
  }
  return { revoked, restored };
}

try {
  await createTopics(client, [names.input], PARTITIONS);
  const generator = new EventGenerator(RECORDS, { run, seed: 5, spanMs: 3 * 86_400_000 });
  const produced = await produceAll(
    client,
    names.input,
    (function* () {
      for (const record of generator.records()) yield toMessage(record);
    })(),
  );
  process.stderr.write(`produced ${produced} records; replaying them with one worker ... `);
  const port = 19_000 + Math.floor(Math.random() * 1000);
  const first = host(1, port);
  const replayStarted = performance.now();
  try {
    await readyAfterMs(first, port, replayStarted);
    for (const [group, topic] of [
      [`${run}-ingest`, names.input],
      [`${run}-join`, names.repartition],
      [`${run}-aggregate`, names.byService],
    ] as const) {
      await committedPast(client, group, topic, await endOffsets(client, topic));
    }
  } finally {
    await first.stop('SIGTERM');
  }
  process.stderr.write(`done in ${((performance.now() - replayStarted) / 1000).toFixed(1)} s\n`);

  const rows: string[] = [];
  const restart = async (workers: number, label: string) => {
    const child = host(workers, port);
    const started = performance.now();
    try {
      const ms = await readyAfterMs(child, port, started);
      const { revoked, restored } = startUpWork(child.output);
      rows.push(`| ${label} | ${workers} | ${(ms / 1000).toFixed(1)} | ${revoked} | ${restored} |`);
      process.stderr.write(`${label}: ready in ${(ms / 1000).toFixed(1)} s\n`);
    } finally {
      await child.stop('SIGTERM');
    }
  };
  await restart(1, 'restart, one worker (the state once)');
  for (let n = 1; n <= RESTARTS; n++) await restart(WORKERS, `restart ${n}`);
  console.log(
    `cdstream restart ${new Date().toISOString()}: ${RECORDS} records replayed, ${PARTITIONS} partitions`,
  );
  console.log(
    '| start | workers | ready after s | tasks revoked at start-up | changelog records restored |',
  );
  console.log('| --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
} finally {
  if (!values['keep-topics']) await deleteTopicsWithPrefix(client, run);
}
