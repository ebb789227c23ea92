import { parseDevOptions } from '../../../src/stack/dev-options';

describe('dev stack options', () => {
  it('runs one worker and one API unless told', () => {
    expect(parseDevOptions([])).toEqual({ workers: 1, apis: 1 });
  });

  it('takes --workers and --apis', () => {
    expect(parseDevOptions(['--workers', '2', '--apis=3'])).toEqual({ workers: 2, apis: 3 });
  });

  it('answers -h with the usage', () => {
    expect(parseDevOptions(['-h'])).toBe('help');
  });

  it.each([
    [['--workers', '0'], "--workers must be a whole number from 1 to 8, not '0'"],
    [['--apis', 'two'], "--apis must be a whole number from 1 to 8, not 'two'"],
    [['--nodes', '3'], 'Unknown argument: nodes'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseDevOptions(argv)).toThrow(message);
  });
});
