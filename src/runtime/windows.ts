/**
 * Event-time windows, epoch-aligned, half-open [start, end). Pure maths: no
 * clocks, no state.
 */
export interface WindowSpec {
  /** window length, ms */
  readonly sizeMs: number;
  /** distance between window starts, ms; equal to sizeMs for tumbling windows */
  readonly advanceMs: number;
}

export interface TimeWindow {
  readonly start: number;
  readonly end: number;
}

export function tumblingWindows(sizeMs: number): WindowSpec {
  return hoppingWindows(sizeMs, sizeMs);
}

export function hoppingWindows(sizeMs: number, advanceMs: number): WindowSpec {
  if (!Number.isSafeInteger(sizeMs) || sizeMs <= 0) {
    throw new RangeError(`window size must be a positive whole number of ms, got ${sizeMs}`);
  }
  if (!Number.isSafeInteger(advanceMs) || advanceMs <= 0 || advanceMs > sizeMs) {
    throw new RangeError(
      `window advance must be a whole number of ms in (0, size=${sizeMs}], got ${advanceMs}`,
    );
  }
  return { sizeMs, advanceMs };
}

/** floor that is correct for negative timestamps too (before 1970) */
function alignDown(timestamp: number, step: number): number {
  return Math.floor(timestamp / step) * step;
}

/** Every window that contains `timestamp`, oldest first. */
export function windowsFor(spec: WindowSpec, timestamp: number): TimeWindow[] {
  const windows: TimeWindow[] = [];
  const lastStart = alignDown(timestamp, spec.advanceMs);
  for (let start = lastStart; start > timestamp - spec.sizeMs; start -= spec.advanceMs) {
    windows.unshift({ start, end: start + spec.sizeMs });
  }
  return windows;
}

/** A window is final once the watermark has reached its end. */
export function isWindowClosed(window: TimeWindow, watermark: number): boolean {
  return watermark >= window.end;
}
