/**
 * Builds and starts the Kafka Streams baseline (bench/baselines/kafka-streams/):
 * `mvn -q -B package` into the git-ignored .local/bench/kafka-streams/, then
 * `java -cp jar:lib/*`. The window and grace match topologies/default.yaml (P1D, 1h).
 */
import { execFile } from 'node:child_process';
import { brokers } from '../lib/kafka.js';
import { startChild, type Child } from '../lib/proc.js';

const PROJECT = new URL('./kafka-streams/', import.meta.url).pathname;
const TARGET = new URL('../../.local/bench/kafka-streams/', import.meta.url).pathname;
const DAY_MS = 86_400_000;
const GRACE_MS = 3_600_000;

/** Resolves with the classpath once Maven has built the jar. */
export function buildKafkaStreams(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('mvn', ['-q', '-B', 'package'], { cwd: PROJECT }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`mvn package failed: ${stderr || error.message}`));
      else resolve(`${TARGET}kafka-streams-baseline-1.0.jar:${TARGET}lib/*`);
    });
  });
}

export function startKafkaStreams(
  classpath: string,
  appId: string,
  input: string,
  output: string,
  threads = 2,
): Child {
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
    String(DAY_MS),
    String(GRACE_MS),
    String(threads),
  ]);
}
