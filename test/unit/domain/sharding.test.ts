import { fanOutFor, groupShards, nodeHash, shardCountFor, shardOf } from '../../../src/domain/sharding';

describe('sharding', () => {
  it('hashes ids stably into non-negative 31-bit ints', () => {
    expect(nodeHash('node-1')).toBe(nodeHash('node-1'));
    expect(nodeHash('node-1')).not.toBe(nodeHash('node-2'));
    for (const id of ['', 'a', 'x'.repeat(253), 'ip-10-0-0-1.ec2.internal']) {
      const h = nodeHash(id);
      expect(Number.isInteger(h)).toBe(true);
      expect(h).toBeGreaterThanOrEqual(0);
      expect(h).toBeLessThan(2 ** 31);
    }
  });

  it('spreads nodes evenly over shards', () => {
    const shards = 16;
    const perShard = new Array<number>(shards).fill(0);
    for (let i = 0; i < 16_000; i++) perShard[shardOf(`node-${i}`, shards)]! += 1;
    expect(Math.min(...perShard)).toBeGreaterThan(800);
    expect(Math.max(...perShard)).toBeLessThan(1200);
  });

  it('moves only about half the nodes when the shard count doubles', () => {
    let moved = 0;
    for (let i = 0; i < 10_000; i++) if (shardOf(`n${i}`, 8) !== shardOf(`n${i}`, 16)) moved++;
    expect(moved).toBeGreaterThan(4_000);
    expect(moved).toBeLessThan(6_000);
  });

  it('chooses the smallest power of two of shards that fits', () => {
    expect(shardCountFor(0, 1000)).toBe(1);
    expect(shardCountFor(1000, 1000)).toBe(1);
    expect(shardCountFor(1001, 1000)).toBe(2);
    expect(shardCountFor(2500, 1000)).toBe(4);
    expect(shardCountFor(10_000_000, 1000)).toBe(16384);
  });

  it('fans out through groups only beyond the children limit, covering every shard once', () => {
    expect(fanOutFor(200, 200)).toEqual({ groupCount: 0, shardsPerGroup: 200 });
    const fan = fanOutFor(1024, 200);
    expect(fan.groupCount).toBe(6);
    const covered: number[] = [];
    for (let g = 0; g < fan.groupCount; g++) {
      const { first, end } = groupShards(g, fan, 1024);
      expect(end - first).toBeLessThanOrEqual(200);
      for (let s = first; s < end; s++) covered.push(s);
    }
    expect(covered).toEqual(Array.from({ length: 1024 }, (_, i) => i));
  });
});
