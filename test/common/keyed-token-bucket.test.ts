import { describe, expect, it } from 'vitest';
import { KeyedTokenBucket } from '../../common/keyed-token-bucket.js';

describe('KeyedTokenBucket', () => {
  it('gives each key its burst, then one token per refill period, never more than the burst', () => {
    let now = 0;
    const buckets = new KeyedTokenBucket({ burst: 3, refillPerSecond: 1, now: () => now });
    expect([1, 2, 3, 4].map(() => buckets.tryTake('a'))).toEqual([true, true, true, false]);
    expect(buckets.tryTake('b')).toBe(true);
    now += 1000;
    expect([buckets.tryTake('a'), buckets.tryTake('a')]).toEqual([true, false]);
    now += 60_000;
    expect([1, 2, 3, 4].map(() => buckets.tryTake('a'))).toEqual([true, true, true, false]);
  });

  it('remembers at most maxTrackedKeys keys', () => {
    const buckets = new KeyedTokenBucket({ burst: 1, refillPerSecond: 0.001, maxTrackedKeys: 100, now: () => 0 });
    for (let i = 0; i < 1000; i++) buckets.take(`k${i}`);
    expect(buckets.trackedKeys).toBeLessThanOrEqual(100);
  });
});
