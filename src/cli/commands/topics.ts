import { Command } from 'commander';
import { buildTopology } from '../../config/pipeline.js';
import { loadTopologyOrExit } from '../topology-arg.js';
import { KafkajsTransport } from '../../runtime/kafka/kafkajs-transport.js';
import { planTopics, type PlannedTopic } from '../../runtime/topic-plan.js';
import { TopologyNames } from '../../runtime/topology.js';
import { connectionsFromEnvironment, kafkajsSecurity } from '../connections.js';

interface TopicsOptions {
  topology: string;
  json?: boolean;
}

interface TopicRow {
  topic: string;
  role: PlannedTopic['role'];
  partitions: number;
  cleanupPolicy: string;
  /** partitions on the broker; null when the topic does not exist */
  actualPartitions: number | null;
  status: 'ok' | 'missing' | 'created' | 'partitions differ';
}

/** `cdstream topics create|describe --topology FILE` */
export function topicsCommand(): Command {
  const topics = new Command('topics').description(
    "Create or describe a topology's topics: inputs, internal repartition and changelog topics, outputs.",
  );
  topics
    .command('create')
    .description('Create the missing topics with the right partitions and compaction (idempotent).')
    .requiredOption('--topology <file>', 'topology file (YAML)')
    .option('--json', 'print one JSON object per topic')
    .action(async (options: TopicsOptions) => {
      await withTopics(options, true);
    });
  topics
    .command('describe')
    .description(
      'Show each topic of the topology: role, partitions expected and on the broker, status.',
    )
    .requiredOption('--topology <file>', 'topology file (YAML)')
    .option('--json', 'print one JSON object per topic')
    .action(async (options: TopicsOptions) => {
      await withTopics(options, false);
    });
  topics.addHelpText(
    'after',
    '\nExit codes: 0 every topic as planned, 1 missing or mis-partitioned topics (describe) or a broker error, 2 usage or topology error.',
  );
  return topics;
}

async function withTopics(options: TopicsOptions, create: boolean): Promise<void> {
  const config = loadTopologyOrExit(options.topology);
  const connections = connectionsFromEnvironment();
  const transport = new KafkajsTransport({
    clientId: `${config.applicationId}-topics`,
    brokers: connections.brokers,
    kafka: kafkajsSecurity(connections.security),
  });
  try {
    const names = new TopologyNames(buildTopology(config));
    const inputs: PlannedTopic[] = config.inputs.topics.map((name) => ({
      name,
      partitions: config.inputs.partitions,
      role: 'input',
    }));
    const before = await transport.partitionCounts([...inputs.map((t) => t.name)]);
    if (create) await transport.ensureTopics(inputs);
    const inputCounts = create
      ? await transport.partitionCounts(inputs.map((t) => t.name))
      : before;
    // plan with the inputs' real counts; where they are missing, with the planned ones
    const planned = planTopics(
      names,
      new Map(inputs.map((t) => [t.name, inputCounts.get(t.name) ?? t.partitions])),
    ).topics;
    const existing = await transport.partitionCounts(planned.map((t) => t.name));
    if (create) await transport.ensureTopics(planned);
    const after = await transport.partitionCounts([...inputs, ...planned].map((t) => t.name));
    const rows = [...inputs, ...planned].map((topic) =>
      rowOf(
        topic,
        after.get(topic.name),
        create && !(before.has(topic.name) || existing.has(topic.name)),
      ),
    );
    print(rows, options.json === true);
    process.exitCode = rows.every((row) => row.status === 'ok' || row.status === 'created') ? 0 : 1;
  } finally {
    await transport.close();
  }
}

function rowOf(topic: PlannedTopic, actual: number | undefined, created: boolean): TopicRow {
  const status =
    actual === undefined
      ? 'missing'
      : actual !== topic.partitions
        ? 'partitions differ'
        : created
          ? 'created'
          : 'ok';
  return {
    topic: topic.name,
    role: topic.role,
    partitions: topic.partitions,
    cleanupPolicy: topic.config?.['cleanup.policy'] ?? 'delete',
    actualPartitions: actual ?? null,
    status,
  };
}

function print(rows: readonly TopicRow[], json: boolean): void {
  if (json) {
    for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`);
    return;
  }
  const header = ['TOPIC', 'ROLE', 'PARTITIONS', 'CLEANUP', 'ON BROKER', 'STATUS'];
  const lines = rows.map((r) => [
    r.topic,
    r.role,
    String(r.partitions),
    r.cleanupPolicy,
    String(r.actualPartitions ?? '-'),
    r.status,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  for (const line of [header, ...lines]) {
    process.stdout.write(
      `${line
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
  }
}
