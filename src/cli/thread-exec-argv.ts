/**
 * The node options a fleet thread starts with: the host's, less V8's heap
 * sizes. Those apply to the whole process (every thread's heap is sized by
 * them, or by the thread's resource limits), and a Worker refuses them in its
 * execArgv (ERR_WORKER_INVALID_EXEC_ARGV), so `node --max-semi-space-size=16
 * cdstream run` would otherwise fail to start its workers.
 */
const PROCESS_WIDE = /^--max-(semi|old)-space-size$/;

export function threadExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let index = 0; index < execArgv.length; index++) {
    const arg = execArgv[index] as string;
    const [name, value] = arg.split('=', 2);
    if (!PROCESS_WIDE.test(name as string)) {
      kept.push(arg);
    } else if (value === undefined) {
      index++; // `--max-semi-space-size 16`: its value is the next argument
    }
  }
  return kept;
}
