import { shardCountFor } from '../sharding';

/**
 * The shard count after a load of `nodeCount` nodes. It grows as soon as shards would exceed
 * `shardSize`, but shrinks only once a quarter of the current count would do: a service
 * hovering around a boundary does not move its nodes between shards at every load, and a
 * shrink that happens merges at least four shards into one.
 */
export function nextShardCount(current: number, nodeCount: number, shardSize: number): number {
  const needed = shardCountFor(nodeCount, shardSize);
  if (current < 1 || needed > current || needed * 4 <= current) return needed;
  return current;
}
