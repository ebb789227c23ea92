export { parseMapping } from './parse';
export { nextShardCount } from './shard-count';
export type { DetectedFormat, MappingBadRow, MappingEvent, MappingFormat, MappingRow, ParseOptions, ParseSummary } from './types';
export { holdReason, type HoldInput } from './hold';
