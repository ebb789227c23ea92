export { parseMapping } from './parse';
export { walkRows, type RowCounts } from './walk-rows';
export { nextShardCount } from './shard-count';
export type { MappingBadRow, MappingFormat, MappingRow, ParseSummary } from './types';
export { heldNote, heldReasonOf, holdReason } from './hold';
