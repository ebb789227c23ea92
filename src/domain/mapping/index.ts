export { parseMapping } from './parse';
export { nextShardCount } from './shard-count';
export type { DetectedFormat, MappingBadRow, MappingEvent, MappingFormat, MappingRow, ParseOptions, ParseSummary } from './types';
export { heldNote, heldReasonOf, holdReason, type HoldInput } from './hold';
