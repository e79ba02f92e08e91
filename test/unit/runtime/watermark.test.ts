import { describe, expect, it } from 'vitest';
import {
  NO_TIME,
  SourcePartitionWatermark,
  UpstreamWatermarks,
} from '../../../src/runtime/watermark.js';

describe('SourcePartitionWatermark', () => {
  it('trails the largest event time by the disorder allowance, and never goes back', () => {
    const partition = new SourcePartitionWatermark(100);
    expect(partition.current(10_000)).toBe(NO_TIME);
    partition.observe(5_000, 10_000);
    expect(partition.current(10_000)).toBe(4_900);
    partition.observe(3_000, 10_000);
    expect(partition.current(10_000)).toBe(4_900);
  });

  it('does not let event times ahead of the wall clock move it', () => {
    const partition = new SourcePartitionWatermark(0);
    partition.observe(50_000, 10_000);
    expect(partition.current(10_000)).toBe(10_000);
  });

  it('follows the clock from the last event time while caught up, never jumping to now', () => {
    const partition = new SourcePartitionWatermark(0);
    partition.observe(1_000, 1_000_000);
    partition.setCaughtUp(true, 1_000_000);
    expect(partition.current(1_000_000)).toBe(1_000);
    expect(partition.current(1_060_000)).toBe(61_000);
    partition.setCaughtUp(false, 1_060_000);
    expect(partition.current(2_000_000)).toBe(61_000);
  });

  it('holds a partition that never delivered anything at unknown until it stayed empty for the idle time', () => {
    const partition = new SourcePartitionWatermark(500, undefined, true, 10_000);
    partition.setCaughtUp(true, 7_000);
    expect(partition.current(16_999)).toBe(NO_TIME);
    expect(partition.current(17_000)).toBe(6_500);
    expect(partition.current(20_000)).toBe(9_500);
  });

  it('ignores the clock where there is none to follow (replays, tests)', () => {
    const partition = new SourcePartitionWatermark(0, undefined, false);
    partition.observe(50_000, 10_000);
    partition.setCaughtUp(true, 10_000);
    expect(partition.current(90_000)).toBe(50_000);
  });

  it('keeps what it promised across a restore', () => {
    const partition = new SourcePartitionWatermark(0);
    partition.observe(9_000, 10_000);
    partition.setCaughtUp(true, 10_000);
    partition.current(12_000);
    const restored = new SourcePartitionWatermark(0, partition.snapshot());
    expect(restored.current(12_000)).toBe(11_000);
  });
});

describe('UpstreamWatermarks', () => {
  it('is unknown until every expected upstream reported, then the minimum', () => {
    const upstream = new UpstreamWatermarks(['a-0', 'a-1']);
    expect(upstream.report('a-0', 500)).toBe(false);
    expect(upstream.current).toBe(NO_TIME);
    expect(upstream.holdingBack()).toEqual(['a-1']);
    expect(upstream.report('a-1', 300)).toBe(true);
    expect(upstream.current).toBe(300);
    expect(upstream.holdingBack()).toEqual(['a-1']);
  });

  it('never goes backwards and counts an upstream that reports less than before', () => {
    const upstream = new UpstreamWatermarks(['a-0']);
    upstream.report('a-0', 500);
    expect(upstream.report('a-0', 400)).toBe(false);
    expect(upstream.current).toBe(500);
    expect(upstream.regressions).toBe(1);
  });

  it('restores the reports, so a restored reader is not held at unknown', () => {
    const upstream = new UpstreamWatermarks(['a-0', 'a-1']);
    upstream.report('a-0', 10);
    upstream.report('a-1', 20);
    const restored = new UpstreamWatermarks(['a-0', 'a-1'], upstream.snapshot());
    expect(restored.current).toBe(10);
    expect(restored.report('a-0', 15)).toBe(true);
    expect(restored.current).toBe(15);
  });
});
