import { readableLine } from '../../../src/stack/output';

describe("npm run dev's readable log lines", () => {
  const readable = readableLine(false);

  it('renders a pino JSON line as time, level, message and the other fields, without pid, host and service', () => {
    const line = JSON.stringify({ level: 40, time: Date.UTC(2026, 0, 1, 12), pid: 7, hostname: 'h', service: 'courier-worker', serviceId: 's-1', msg: 'mapping held' });
    const shown = readable(line);
    expect(shown).toMatch(/^\[\d\d:\d\d:\d\d\] WARN: mapping held \{"serviceId":"s-1"\}$/);
    expect(shown).not.toContain('courier-worker');
  });

  it('leaves other lines as they are', () => {
    for (const line of ['courier worker polling', '{"not":"pino"}', '{"level":30, broken']) expect(readable(line)).toBe(line);
  });
});
