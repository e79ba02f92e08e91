import { describe, expect, it } from 'vitest';
import {
  changeFailureRateBand,
  DAY_MS,
  deploymentFrequencyBand,
  HOUR_MS,
  leadTimeBand,
  median,
  p90,
  timeToRestoreBand,
  WEEK_MS,
} from '../../../../src/domain/dora/index.js';

describe('DORA bands', () => {
  it('deployment frequency: elite above one a day, high down to one a week, medium down to one a month', () => {
    expect(deploymentFrequencyBand(2)).toBe('elite');
    expect(deploymentFrequencyBand(8 / 7)).toBe('elite');
    expect(deploymentFrequencyBand(1)).toBe('high');
    expect(deploymentFrequencyBand(1 / 7)).toBe('high');
    expect(deploymentFrequencyBand(0.99 / 7)).toBe('medium');
    expect(deploymentFrequencyBand(1 / 30)).toBe('medium');
    expect(deploymentFrequencyBand(0.9 / 30)).toBe('low');
    expect(deploymentFrequencyBand(0)).toBe('low');
  });

  it('lead time: elite under a day, high under a week, medium under 30 days', () => {
    expect(leadTimeBand(DAY_MS - 1)).toBe('elite');
    expect(leadTimeBand(DAY_MS)).toBe('high');
    expect(leadTimeBand(WEEK_MS)).toBe('medium');
    expect(leadTimeBand(30 * DAY_MS)).toBe('low');
  });

  it('time to restore: elite under an hour, high under a day, medium under a week', () => {
    expect(timeToRestoreBand(HOUR_MS - 1)).toBe('elite');
    expect(timeToRestoreBand(HOUR_MS)).toBe('high');
    expect(timeToRestoreBand(DAY_MS)).toBe('medium');
    expect(timeToRestoreBand(WEEK_MS)).toBe('low');
  });

  it('change failure rate: elite up to 5 %, high up to 10 %, medium up to 15 %', () => {
    expect(changeFailureRateBand(0)).toBe('elite');
    expect(changeFailureRateBand(0.05)).toBe('elite');
    expect(changeFailureRateBand(0.1)).toBe('high');
    expect(changeFailureRateBand(0.15)).toBe('medium');
    expect(changeFailureRateBand(0.16)).toBe('low');
  });
});

describe('percentiles', () => {
  it('median is the middle value, or the rounded mean of the two middle ones', () => {
    expect(median([])).toBeUndefined();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 2, 3])).toBe(3); // (2 + 3) / 2 = 2.5, rounded
    expect(median([10, 20])).toBe(15);
  });

  it('p90 is the nearest-rank value', () => {
    expect(p90([])).toBeUndefined();
    expect(p90([7])).toBe(7);
    expect(p90([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toBe(9);
    expect(p90([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])).toBe(10);
    expect(p90([3, 1, 2])).toBe(3);
  });
});
