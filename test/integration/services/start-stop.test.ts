/**
 * `scripts/services start` and `stop`, several times in a row, on a services
 * folder and ports of their own: the shared local services the other tests use
 * keep running. Issue 12: a start looked at its broker before the launched
 * child had become java, declared it dead, deleted its pid file and left it
 * holding the ports. Here every start must find the process it launched, also
 * when the child is slow to exec java (CDSTREAM_SERVICES_LAUNCH_DELAY_S); two
 * starts at once end with one broker; a start that times out keeps the pid
 * file, so that `stop` still ends the process.
 */
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCRIPT = join(ROOT, 'scripts/services');
const SHARED_DIR = process.env.CDSTREAM_SERVICES_DIR ?? join(ROOT, '.local/services');

interface Result {
  code: number;
  stderr: string;
}

function services(command: string, env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve) => {
    execFile('bash', [SCRIPT, command], { env, cwd: ROOT }, (error, _stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stderr });
    });
  });
}

/** Ports the OS has free right now, so that two runs of this test do not meet. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => {
            resolve(server);
          });
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

function commandLine(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('scripts/services start and stop', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdstream-services-'));
  let ports: {
    kafka: number;
    controller: number;
    sasl: number;
    registry: number;
    management: number;
  };
  let env: NodeJS.ProcessEnv;
  let prepared = false;

  /** Java processes of this test's services: the broker by its folder, the registry by its port. */
  function javaProcesses(): { kafka: number[]; registry: number[] } {
    const found = { kafka: [] as number[], registry: [] as number[] };
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const line = commandLine(entry);
      if (line.includes('kafka.Kafka') && line.includes(`${dir}/kafka/server.properties`))
        found.kafka.push(Number(entry));
      if (
        line.includes('quarkus-run.jar') &&
        line.includes(`-Dquarkus.http.port=${ports.registry} `)
      )
        found.registry.push(Number(entry));
    }
    return found;
  }

  function pidFile(name: string): number | undefined {
    const file = join(dir, 'run', `${name}.pid`);
    return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : undefined;
  }

  async function expectRunning(): Promise<void> {
    const processes = javaProcesses();
    expect(processes.kafka).toHaveLength(1);
    expect(processes.registry).toHaveLength(1);
    expect(pidFile('kafka')).toBe(processes.kafka[0]);
    expect(pidFile('registry')).toBe(processes.registry[0]);
    for (const port of Object.values(ports))
      expect(await portOpen(port), `port ${port}`).toBe(true);
  }

  async function expectStopped(): Promise<void> {
    expect(javaProcesses()).toEqual({ kafka: [], registry: [] });
    expect(pidFile('kafka')).toBeUndefined();
    expect(pidFile('registry')).toBeUndefined();
    for (const port of Object.values(ports))
      expect(await portOpen(port), `port ${port}`).toBe(false);
  }

  beforeAll(async () => {
    // The jars of the shared folder (downloaded once), the data and pids apart.
    const sharedEnv = { ...process.env };
    delete sharedEnv.KAFKA_BROKERS;
    delete sharedEnv.SCHEMA_REGISTRY_URL;
    const install = await services('install', sharedEnv);
    expect(install.code, install.stderr).toBe(0);
    mkdirSync(join(dir, 'kafka'), { recursive: true });
    symlinkSync(join(SHARED_DIR, 'kafka/lib'), join(dir, 'kafka/lib'));
    symlinkSync(join(SHARED_DIR, 'apicurio'), join(dir, 'apicurio'));
    if (existsSync(join(SHARED_DIR, 'jdk'))) symlinkSync(join(SHARED_DIR, 'jdk'), join(dir, 'jdk'));

    const [kafka, controller, sasl, registry, management] = await freePorts(5);
    if (!kafka || !controller || !sasl || !registry || !management) throw new Error('no ports');
    ports = { kafka, controller, sasl, registry, management };
    env = {
      ...sharedEnv,
      CDSTREAM_SERVICES_DIR: dir,
      CDSTREAM_KAFKA_PORT: String(kafka),
      CDSTREAM_KAFKA_CONTROLLER_PORT: String(controller),
      CDSTREAM_KAFKA_SASL_PORT: String(sasl),
      CDSTREAM_REGISTRY_PORT: String(registry),
      CDSTREAM_REGISTRY_MANAGEMENT_PORT: String(management),
    };
    prepared = true;
  }, 600_000);

  afterAll(async () => {
    if (prepared) {
      await services('stop', env);
      const left = javaProcesses();
      for (const pid of [...left.kafka, ...left.registry]) process.kill(pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('starts and stops four times in a row, also when the launched child is slow to become java', async () => {
    for (let cycle = 1; cycle <= 4; cycle++) {
      // even cycles: the child waits 1.5 s before it execs java
      const launch = cycle % 2 === 0 ? { CDSTREAM_SERVICES_LAUNCH_DELAY_S: '1.5' } : {};
      const start = await services('start', { ...env, ...launch });
      expect(start.code, `start ${cycle}: ${start.stderr}`).toBe(0);
      expect(start.stderr).not.toMatch(/exited during start-up/);
      await expectRunning();

      const again = await services('start', env);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/kafka: already running/);
      expect(again.stderr).toMatch(/registry: already running/);

      const stop = await services('stop', env);
      expect(stop.code, `stop ${cycle}: ${stop.stderr}`).toBe(0);
      expect(stop.stderr).toMatch(/kafka: stopped \(pid \d+\)/);
      expect(stop.stderr).toMatch(/registry: stopped \(pid \d+\)/);
      await expectStopped();
    }
  }, 300_000);

  it('two starts at once end with one broker and one registry', async () => {
    const [first, second] = await Promise.all([
      services('start', { ...env, CDSTREAM_SERVICES_LAUNCH_DELAY_S: '1' }),
      services('start', env),
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    await expectRunning();
    const stop = await services('stop', env);
    expect(stop.code, stop.stderr).toBe(0);
    await expectStopped();
  }, 180_000);

  it('a start that times out keeps track of its broker, and stop ends it', async () => {
    const start = await services('start', {
      ...env,
      CDSTREAM_SERVICES_TIMEOUT_S: '1',
      CDSTREAM_SERVICES_LAUNCH_DELAY_S: '3',
    });
    expect(start.code).toBe(1);
    expect(start.stderr).toMatch(/was not ready after 1s; it still runs as pid \d+/);
    const pid = pidFile('kafka');
    expect(pid).toBeDefined();
    expect(alive(pid ?? 0)).toBe(true);

    const stop = await services('stop', env);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stderr).toMatch(new RegExp(`kafka: stopped \\(pid ${pid}\\)`));
    expect(alive(pid ?? 0)).toBe(false);
    await expectStopped();
  }, 180_000);
});
