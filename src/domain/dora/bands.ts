/**
 * DORA performance bands, one table for every metric cdstream emits.
 * Thresholds follow the cluster descriptions of the DORA Accelerate State of
 * DevOps Report 2023 (elite / high / medium / low); where the report gives
 * cluster values rather than bounds (change failure rate), the bounds sit at
 * those values. Lower bounds are inclusive as the report words them
 * ("between once per day and once per week" includes both).
 *
 * | metric                          | source    | elite          | high              | medium              | low          |
 * | ------------------------------- | --------- | -------------- | ----------------- | ------------------- | ------------ |
 * | deployment frequency            | 2023      | > 1 per day    | ≥ 1/week, ≤ 1/day | ≥ 1/month, < 1/week | < 1/month    |
 * | lead time (median)              | 2023      | < 1 day        | < 1 week          | < 1 month (30 days) | ≥ 1 month    |
 * | time to restore (median)        | 2023      | < 1 hour       | < 1 day           | < 1 week            | ≥ 1 week     |
 * | failed deployment recovery time | 2023      | < 1 hour       | < 1 day           | < 1 week            | ≥ 1 week     |
 * | change failure rate             | 2023      | ≤ 5 %          | ≤ 10 %            | ≤ 15 %              | > 15 %       |
 * | deployment rework rate          | cdstream  | ≤ 5 %          | ≤ 10 %            | ≤ 15 %              | > 15 %       |
 *
 * The 2023 report renamed "time to restore service" to "failed deployment
 * recovery time"; cdstream emits both (time to restore over every incident,
 * recovery time over failed deployments only) with the same bounds. The
 * report's low cluster starts at six months and leaves one week to six
 * months unbanded; cdstream calls all of it low (as Apache DevLake does). The 2024 report added deployment rework rate as a fifth
 * metric but published no cluster bounds for it; cdstream bands it as its
 * sibling instability metric, change failure rate (2023 bounds), until DORA
 * does.
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

export const FAILED_DEPLOYMENT_RECOVERY_TIME_BANDS = TIME_TO_RESTORE_BANDS;

export const REWORK_RATE_BANDS = CHANGE_FAILURE_RATE_BANDS;

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

export const failedDeploymentRecoveryTimeBand = (medianMs: number): DoraBand =>
  durationBand(medianMs, FAILED_DEPLOYMENT_RECOVERY_TIME_BANDS);

function rateBand(
  rate: number,
  bands: { eliteAtMost: number; highAtMost: number; mediumAtMost: number },
): DoraBand {
  if (rate <= bands.eliteAtMost) return 'elite';
  if (rate <= bands.highAtMost) return 'high';
  if (rate <= bands.mediumAtMost) return 'medium';
  return 'low';
}

export const changeFailureRateBand = (rate: number): DoraBand =>
  rateBand(rate, CHANGE_FAILURE_RATE_BANDS);

export const reworkRateBand = (rate: number): DoraBand => rateBand(rate, REWORK_RATE_BANDS);
