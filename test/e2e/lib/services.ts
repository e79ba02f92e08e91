/**
 * Faults of the local services: stop the Kafka broker (only it, by its pid)
 * and bring it back with scripts/services; cut the schema registry with a TCP
 * proxy the workers reach it through.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';

const ROOT = new URL('../../../', import.meta.url).pathname;
const SERVICES_DIR = process.env.CDSTREAM_SERVICES_DIR ?? `${ROOT}.local/services`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function kafkaPid(): number | undefined {
  try {
    return Number(readFileSync(`${SERVICES_DIR}/run/kafka.pid`, 'utf8').trim());
  } catch {
    return undefined;
  }
}

/** SIGTERM to the local broker; resolves once the process is gone. */
export async function stopKafka(): Promise<void> {
  const pid = kafkaPid();
  if (pid === undefined || !alive(pid)) throw new Error('no local Kafka broker to stop');
  process.kill(pid, 'SIGTERM');
  while (alive(pid)) await new Promise((resolve) => setTimeout(resolve, 100));
}

/**
 * `bash scripts/services start`: starts what is not running and waits until
 * it answers. Without the connection variables: exported (as `services
 * status` prints them), they make the script use that broker and start
 * nothing, and the broker stopped above would never come back.
 */
export function startServices(): Promise<void> {
  const connection = new Set(['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'KAFKA_SASL_BROKERS']);
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !connection.has(name)),
  );
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [`${ROOT}scripts/services`, 'start'],
      { cwd: ROOT, env },
      (error, _out, stderr) => {
        if (error) reject(new Error(`scripts/services start failed: ${stderr || error.message}`));
        else resolve();
      },
    );
  });
}
