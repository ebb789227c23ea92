import { parseDevOptions } from '../../../src/stack/dev-options';

describe('dev stack options', () => {
  it('runs one worker and one API unless told', () => {
    expect(parseDevOptions([])).toEqual({ workers: 1, apis: 1, roles: 'all' });
  });

  it('takes --workers, --apis and --roles', () => {
    expect(parseDevOptions(['--workers', '2', '--apis=3'])).toEqual({ workers: 2, apis: 3, roles: 'all' });
    expect(parseDevOptions(['--roles', 'split'])).toEqual({ workers: 1, apis: 1, roles: 'split' });
  });

  it('answers -h with the usage', () => {
    expect(parseDevOptions(['-h'])).toBe('help');
  });

  it.each([
    [['--workers', '0'], "--workers must be a whole number from 1 to 8, not '0'"],
    [['--apis', 'two'], "--apis must be a whole number from 1 to 8, not 'two'"],
    [['--nodes', '3'], 'Unknown argument: nodes'],
    [['--roles', 'bulk'], "--roles must be split or all, not 'bulk'"],
  ])('refuses %j', (argv, message) => {
    expect(() => parseDevOptions(argv)).toThrow(message);
  });
});
