/**
 * Child processes measured from outside: spawn, wait for a printed line, read
 * peak RSS and CPU time from /proc, stop with a signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';

export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  readonly output: string[];
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  readonly exited: Promise<number | null>;
  /** CPU seconds (user + system) so far; 0 once the process is gone */
  cpuSeconds(): number;
  /** peak resident set (VmHWM), MB */
  peakRssMb(): number;
  /** current resident set (VmRSS), MB */
  rssMb(): number;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const TICKS_PER_SECOND = 100;

function statusField(pid: number, field: string): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match?.[1] ? Math.round(Number(match[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) of a process, also one this bench did not start (the local broker); 0 if gone */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name, which is in parentheses and may hold spaces
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

export function startChild(
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
  echo = false,
  /** every line is also appended here */
  logFile?: string,
): Child {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid ?? -1;
  const output: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const log = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
  const onLine = (line: string) => {
    log?.write(`${line}\n`);
    if (echo) process.stderr.write(`[${pid}] ${line}\n`);
    output.push(line);
    if (output.length > 2_000) output.splice(0, 1_000);
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  const buffers = new Map<NodeJS.ReadableStream, string>();
  const onData = (stream: NodeJS.ReadableStream) => (chunk: Buffer) => {
    const lines = ((buffers.get(stream) ?? '') + chunk.toString()).split('\n');
    buffers.set(stream, lines.pop() ?? '');
    lines.forEach(onLine);
  };
  child.stdout.on('data', onData(child.stdout));
  child.stderr.on('data', onData(child.stderr));
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve(code ?? (signal ? -1 : null));
    });
  });
  return {
    process: child,
    pid,
    output,
    exited,
    waitForLine(pattern, timeoutMs = 120_000) {
      const seen = output.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(
              `process ${pid} printed no line matching ${pattern} in ${timeoutMs} ms; last lines:\n${output.slice(-15).join('\n')}`,
            ),
          );
        }, timeoutMs);
        void exited.then((code) => {
          clearTimeout(timer);
          reject(
            new Error(
              `process ${pid} exited (${code}) before printing ${pattern}; last lines:\n${output.slice(-15).join('\n')}`,
            ),
          );
        });
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
    cpuSeconds: () => processCpuSeconds(pid),
    peakRssMb: () => statusField(pid, 'VmHWM'),
    rssMb: () => statusField(pid, 'VmRSS'),
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Node with TypeScript type stripping and the project's `.js` → `.ts` resolver. */
export const TS_NODE_ARGS = [
  '--experimental-transform-types',
  '--no-warnings',
  '--import',
  new URL('../../scripts/ts-resolve.js', import.meta.url).pathname,
];
