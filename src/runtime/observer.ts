/** What the engine reports; observability plugs metrics and logs in here. */
export interface RuntimeListener {
  restored?(event: {
    stage: string;
    partitions: readonly number[];
    records: number;
    ms: number;
  }): void;
  committed?(event: {
    taskId: string;
    records: number;
    changelog: number;
    ms: number;
    /** dead letters the transaction wrote, by error code */
    deadLetters: ReadonlyMap<string, number>;
  }): void;
  aborted?(event: { taskId: string; reason: string }): void;
  retrying?(event: { taskId: string; code: string; attempt: number; delayMs: number }): void;
}

/** The subset of pino's logger the engine uses: structured fields first, then one line for people. */
export interface RuntimeLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}
