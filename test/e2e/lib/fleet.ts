/** A fleet of `cdstream run` worker processes (dist/cli/main.js) that can be SIGKILLed and restarted. */
import { existsSync } from 'node:fs';
import { startChild, type Child } from '../../../bench/lib/proc.js';

const MAIN = new URL('../../../dist/cli/main.js', import.meta.url).pathname;

export interface Fleet {
  readonly workers: Child[];
  /** workers that exited without being told to, with their last lines */
  readonly crashes: { pid: number; code: number | null; lines: string[] }[];
  killAndRestart(index: number): Promise<void>;
  /** max RSS (MB) seen in samples so far, per slot */
  sampleRss(): number[];
  stop(): Promise<(number | null)[]>;
}

export function cli(args: readonly string[], env: Record<string, string>, logFile?: string): Child {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first`);
  return startChild(process.execPath, [MAIN, ...args], env, false, logFile);
}

/**
 * `size` processes of `cdstream run --workers <workersPerProcess>`. They log
 * at info into `${logDir}/worker-<slot>-<start time>.log` when a directory is given.
 */
export function startFleet(
  size: number,
  topology: string,
  env: Record<string, string>,
  logDir?: string,
  workersPerProcess = 1,
): Fleet {
  const killed = new Set<Child>();
  const crashes: Fleet['crashes'] = [];
  const maxRss: number[] = Array.from({ length: size }, () => 0);
  const start = (slot: number): Child => {
    const worker = cli(
      ['run', '--topology', topology, '--workers', String(workersPerProcess)],
      { LOG_LEVEL: logDir ? 'info' : 'warn', ...env },
      logDir ? `${logDir}/worker-${slot}-${Date.now()}.log` : undefined,
    );
    void worker.exited.then((code) => {
      if (killed.has(worker)) return;
      crashes.push({ pid: worker.pid, code, lines: worker.output.slice(-10) });
      // keep the fleet at strength so the run can finish; the crash is reported
      fleet.workers[slot] = start(slot);
    });
    return worker;
  };
  // a harness that dies (an uncaught error) must not leave its workers running
  process.once('exit', () => {
    for (const worker of fleet.workers) worker.process.kill('SIGKILL');
  });
  const fleet: Fleet = {
    workers: Array.from({ length: size }, (_, slot) => start(slot)),
    crashes,
    async killAndRestart(index) {
      const victim = fleet.workers[index];
      if (!victim) return;
      killed.add(victim);
      await victim.stop('SIGKILL');
      fleet.workers[index] = start(index);
    },
    sampleRss() {
      fleet.workers.forEach((w, i) => (maxRss[i] = Math.max(maxRss[i] ?? 0, w.rssMb())));
      return [...maxRss];
    },
    async stop() {
      for (const worker of fleet.workers) killed.add(worker);
      return Promise.all(fleet.workers.map((w) => w.stop('SIGTERM')));
    },
  };
  return fleet;
}
