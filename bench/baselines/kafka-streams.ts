/**
 * Builds and starts the Kafka Streams baselines (bench/baselines/kafka-streams/):
 * `mvn -q -B package` into the git-ignored .local/bench/kafka-streams/, then
 * `java -cp jar:lib/*`. Both take their windows and grace from
 * topologies/default.yaml: the deployment-frequency one its first window, the
 * pipeline one all of them.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadTopologyFile } from '../../src/config/topology-file.js';
import { cdeventsSpecDirectory } from '../../test/unit/cdevents-spec.js';
import { brokers } from '../lib/kafka.js';
import { startChild, type Child } from '../lib/proc.js';

const PROJECT = new URL('./kafka-streams/', import.meta.url).pathname;
const TARGET = new URL('../../.local/bench/kafka-streams/', import.meta.url).pathname;
const CLOUDEVENT_SCHEMAS = new URL('../../schemas/cloudevents/', import.meta.url).pathname;
const DEFAULTS = loadTopologyFile(
  new URL('../../topologies/default.yaml', import.meta.url).pathname,
).aggregation;
const FIRST_WINDOW = DEFAULTS.windows[0];

/**
 * Resolves with the classpath once Maven has built the jar. With `tests`, the
 * pipeline baseline's TopologyTestDriver test runs first (it reads the
 * official CDEvents schemas), so a baseline that does not do its work is
 * never measured.
 */
export function buildKafkaStreams(tests: boolean): Promise<string> {
  const args = ['-q', '-B', 'package', ...(tests ? [] : ['-DskipTests'])];
  const env = { ...process.env, ...(tests ? { CDEVENTS_SPEC_DIR: specDirectory() } : {}) };
  return new Promise((resolve, reject) => {
    execFile('mvn', args, { cwd: PROJECT, env }, (error, stdout, stderr) => {
      if (error) reject(new Error(`mvn package failed: ${stdout}${stderr || error.message}`));
      else resolve(`${TARGET}kafka-streams-baseline-1.0.jar:${TARGET}lib/*`);
    });
  });
}

function specDirectory(): string {
  const spec = cdeventsSpecDirectory();
  if (!existsSync(spec)) {
    throw new Error(
      `no official CDEvents schemas at ${spec}: set CDEVENTS_SPEC_DIR, or --skip-kafka-streams-pipeline`,
    );
  }
  return spec;
}

export function startKafkaStreams(
  classpath: string,
  appId: string,
  input: string,
  output: string,
  threads = 2,
): Child {
  if (!FIRST_WINDOW) throw new Error('topologies/default.yaml has no window');
  return startChild('java', [
    '-Xmx1g',
    `-Djava.io.tmpdir=${TARGET}state`,
    '-cp',
    classpath,
    'dev.cdstream.bench.DeploymentFrequency',
    brokers.join(','),
    appId,
    input,
    output,
    String(FIRST_WINDOW.sizeMs),
    String(DEFAULTS.graceMs),
    String(threads),
  ]);
}

export interface PipelineTopics {
  readonly input: string;
  readonly deadLetter: string;
  readonly enriched: string;
  readonly metrics: string;
  readonly partitions: number;
}

/** Its internal topics, which the bench waits on as it waits on cdstream's. */
export function kafkaStreamsPipelineInternals(appId: string): {
  byArtifact: string;
  byService: string;
} {
  return {
    byArtifact: `${appId}-by-artifact-repartition`,
    byService: `${appId}-by-service-repartition`,
  };
}

/**
 * The pipeline baseline (dev.cdstream.bench.pipeline.DoraPipeline). It
 * validates against the official CDEvents schemas, read from the same
 * directory as the conformance tests (`CDEVENTS_SPEC_DIR`, else
 * `shared/cdevents-spec` beside the repository).
 */
export function startKafkaStreamsPipeline(
  classpath: string,
  appId: string,
  topics: PipelineTopics,
  threads = 2,
): Child {
  const spec = specDirectory();
  return startChild('java', [
    '-Xmx1g',
    `-Djava.io.tmpdir=${TARGET}state`,
    '-cp',
    classpath,
    'dev.cdstream.bench.pipeline.DoraPipeline',
    brokers.join(','),
    appId,
    topics.input,
    topics.deadLetter,
    topics.enriched,
    topics.metrics,
    String(topics.partitions),
    String(threads),
    String(DEFAULTS.graceMs),
    spec,
    CLOUDEVENT_SCHEMAS,
    ...DEFAULTS.windows.map((w) => `${w.name}=${w.sizeMs}/${w.advanceMs}`),
  ]);
}
