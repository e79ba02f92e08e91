/**
 * `promise`, or a rejection naming `what` after `ms`: a step that never ends
 * says which it was, instead of a test's or script's own timeout saying
 * nothing (and hiding an error already thrown before a `finally` that hangs).
 * The timer is cleared either way, so it keeps no process alive.
 */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what} did not finish in ${ms / 1000} s`));
    }, ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
