/**
 * What the runtime knows of a failure: a stable code (the dead-letter header
 * and metric label), a sentence, where in the record it applies, and whether
 * retrying can help (a service is away) or the record is final (dead letter).
 * The product's own error type extends it; the runtime knows none of the
 * product's codes.
 */
export interface FailureOptions {
  /** JSON pointer into the record's content, when there is one */
  readonly path?: string | undefined;
  readonly cause?: unknown;
  readonly retriable?: boolean;
}

export class StageFailure extends Error {
  readonly path: string | undefined;
  readonly #retriable: boolean;

  constructor(
    readonly code: string,
    message: string,
    options: FailureOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StageFailure';
    this.path = options.path;
    this.#retriable = options.retriable ?? false;
  }

  /** Retriable failures wait for a service; all others are final for the record. */
  get retriable(): boolean {
    return this.#retriable;
  }
}

export function isStageFailure(error: unknown): error is StageFailure {
  return error instanceof StageFailure;
}

/** Codes of the topology errors the runtime itself raises (the worker refuses to start). */
export type TopologyErrorCode = 'CONFIG_INVALID' | 'COPARTITIONING';

export class TopologyError extends StageFailure {
  declare readonly code: TopologyErrorCode;

  constructor(code: TopologyErrorCode, message: string, options: FailureOptions = {}) {
    super(code, message, options);
    this.name = 'TopologyError';
  }
}
