import { heldNote, heldReasonOf } from '../../../src/domain/mapping';

describe('held mapping notes', () => {
  it('reads back the reason a held mapping was noted with', () => {
    const note = heldNote('"e1"', 'lists 10 nodes, fewer than 50% of the 100 in force; reload to apply it');
    expect(heldReasonOf(note)).toBe('lists 10 nodes, fewer than 50% of the 100 in force; reload to apply it');
  });

  it('finds no reason in an error that is not a held note, nor in none', () => {
    expect(heldReasonOf('cannot read mapping s3://b/k: HTTP 503')).toBeNull();
    expect(heldReasonOf(null)).toBeNull();
  });
});
