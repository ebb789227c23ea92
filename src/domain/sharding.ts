/**
 * Stable node-to-shard assignment: `shard = hash(nodeId) mod shardCount`.
 *
 * The hash is stored with each node row so that a change of shard count re-assigns nodes with
 * one SQL statement instead of re-reading the mapping. Shard counts are powers of two, so
 * doubling moves only half the nodes, and halving merges pairs of shards.
 */

/** FNV-1a, 32-bit, over the UTF-16 code units of the id, folded to a non-negative 31-bit int. */
export function nodeHash(nodeId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < nodeId.length; i++) {
    h ^= nodeId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & 0x7fffffff;
}

export function shardOf(nodeId: string, shardCount: number): number {
  if (shardCount < 1) return 0;
  return nodeHash(nodeId) % shardCount;
}

/** The smallest power of two of shards that keeps every shard at or under `shardSize` nodes. */
export function shardCountFor(nodeCount: number, shardSize: number): number {
  const needed = Math.max(1, Math.ceil(nodeCount / shardSize));
  let count = 1;
  while (count < needed) count *= 2;
  return count;
}

/**
 * How a service's shards hang under it: directly, or through shard groups when there are more
 * shards than one workflow should supervise (pending-children and history limits).
 */
export interface FanOut {
  groupCount: number;
  shardsPerGroup: number;
}

export function fanOutFor(shardCount: number, maxChildren: number): FanOut {
  if (shardCount <= maxChildren) return { groupCount: 0, shardsPerGroup: shardCount };
  const groupCount = Math.ceil(shardCount / maxChildren);
  return { groupCount, shardsPerGroup: Math.ceil(shardCount / groupCount) };
}

/** The shards group `group` supervises: a contiguous range [first, end). */
export function groupShards(group: number, fanOut: FanOut, shardCount: number): { first: number; end: number } {
  const first = group * fanOut.shardsPerGroup;
  return { first, end: Math.min(shardCount, first + fanOut.shardsPerGroup) };
}
