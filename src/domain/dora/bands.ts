/**
 * DORA performance bands. Thresholds follow the cluster descriptions of the
 * DORA Accelerate State of DevOps Report 2023 (elite / high / medium / low);
 * where the report gives cluster values rather than bounds (change failure
 * rate), the bounds sit at those values. Lower bounds are inclusive as the
 * report words them ("between once per day and once per week" includes both).
 *
 * | metric                | elite          | high              | medium              | low          |
 * | --------------------- | -------------- | ----------------- | ------------------- | ------------ |
 * | deployment frequency  | > 1 per day    | ≥ 1/week, ≤ 1/day | ≥ 1/month, < 1/week | < 1/month    |
 * | lead time (median)    | < 1 day        | < 1 week          | < 1 month (30 days) | ≥ 1 month    |
 * | time to restore (med) | < 1 hour       | < 1 day           | < 1 week            | ≥ 1 week     |
 * | change failure rate   | ≤ 5 %          | ≤ 10 %            | ≤ 15 %              | > 15 %       |
 */
export type DoraBand = 'elite' | 'high' | 'medium' | 'low';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;
export const MONTH_MS = 30 * DAY_MS;

export const DEPLOYMENT_FREQUENCY_BANDS = {
  /** deployments per day above which a window is elite ("on demand, multiple per day") */
  elitePerDayAbove: 1,
  highPerDayAtLeast: 1 / 7,
  mediumPerDayAtLeast: 1 / 30,
} as const;

export const LEAD_TIME_BANDS = {
  eliteBelowMs: DAY_MS,
  highBelowMs: WEEK_MS,
  mediumBelowMs: MONTH_MS,
} as const;

export const TIME_TO_RESTORE_BANDS = {
  eliteBelowMs: HOUR_MS,
  highBelowMs: DAY_MS,
  mediumBelowMs: WEEK_MS,
} as const;

export const CHANGE_FAILURE_RATE_BANDS = {
  eliteAtMost: 0.05,
  highAtMost: 0.1,
  mediumAtMost: 0.15,
} as const;

/**
 * A single window maps to a band by its average rate: deployments divided by
 * the window length in days. A 1-day window can only be elite (≥ 2), high (1)
 * or low (0); a 7- or 30-day hopping window is the one to read for the band.
 */
export function deploymentFrequencyBand(deploymentsPerDay: number): DoraBand {
  const bands = DEPLOYMENT_FREQUENCY_BANDS;
  if (deploymentsPerDay > bands.elitePerDayAbove) return 'elite';
  if (deploymentsPerDay >= bands.highPerDayAtLeast) return 'high';
  if (deploymentsPerDay >= bands.mediumPerDayAtLeast) return 'medium';
  return 'low';
}

function durationBand(
  durationMs: number,
  bands: { eliteBelowMs: number; highBelowMs: number; mediumBelowMs: number },
): DoraBand {
  if (durationMs < bands.eliteBelowMs) return 'elite';
  if (durationMs < bands.highBelowMs) return 'high';
  if (durationMs < bands.mediumBelowMs) return 'medium';
  return 'low';
}

export const leadTimeBand = (medianMs: number): DoraBand => durationBand(medianMs, LEAD_TIME_BANDS);

export const timeToRestoreBand = (medianMs: number): DoraBand =>
  durationBand(medianMs, TIME_TO_RESTORE_BANDS);

export function changeFailureRateBand(rate: number): DoraBand {
  const bands = CHANGE_FAILURE_RATE_BANDS;
  if (rate <= bands.eliteAtMost) return 'elite';
  if (rate <= bands.highAtMost) return 'high';
  if (rate <= bands.mediumAtMost) return 'medium';
  return 'low';
}
