/**
 * Contract 4's node id: what a mapping row, a forced refresh and a node's URL may name. Kept apart
 * from the contract's zod schemas (src/domain/protocol.ts) because the shard workflow checks it:
 * whatever a workflow imports is evaluated again for every cached workflow, and zod alone added
 * 0.7 MB to each (docs/performance.md §9).
 */
export const NODE_ID_PATTERN = /^[A-Za-z0-9._:-]{1,253}$/;
