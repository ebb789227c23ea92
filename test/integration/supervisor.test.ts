/**
 * The dev stack's process manager, with real child processes: a process marked `restart` that
 * exits is started again with backoff and the supervisor says so; one not marked is reported;
 * stopping cancels a pending restart.
 */
import type { Output } from '../../src/stack/output';
import { Supervisor } from '../../src/stack/processes';
import { eventually } from '../support/eventually';

function recordingOutput(): Output & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (line) => lines.push(line), process: (name, line) => lines.push(`${name}| ${line}`) };
}

const crashing = (name: string, restart: boolean) => ({
  name,
  command: process.execPath,
  args: ['-e', 'console.log("up"); setTimeout(() => process.exit(3), 100)'],
  restart,
});

describe('supervisor', () => {
  it('starts a crashed process again with growing delays and says so', async () => {
    const output = recordingOutput();
    const unexpected: string[] = [];
    const supervisor = new Supervisor({ output, onUnexpectedExit: (p) => unexpected.push(p.name) });
    try {
      supervisor.start(crashing('worker', true));
      await eventually('three starts', async () => (output.lines.filter((l) => l === 'worker| up').length >= 3 ? true : undefined), 20_000, 50);
      expect(output.lines.filter((l) => l.startsWith('worker exited'))).toEqual(
        expect.arrayContaining(['worker exited with code 3: starting it again in 1 s', 'worker exited with code 3: starting it again in 2 s']),
      );
      expect(unexpected).toEqual([]);
    } finally {
      await supervisor.stop();
    }
    // Stopped: no restart is pending, none comes later.
    const starts = output.lines.filter((l) => l === 'worker| up').length;
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect(output.lines.filter((l) => l === 'worker| up').length).toBe(starts);
  });

  it('reports a process not marked for restart', async () => {
    const output = recordingOutput();
    const unexpected: string[] = [];
    const supervisor = new Supervisor({ output, onUnexpectedExit: (p) => unexpected.push(`${p.name} ${p.describeExit()}`) });
    try {
      supervisor.start(crashing('postgres', false));
      await eventually('the exit reported', async () => (unexpected.length > 0 ? true : undefined), 10_000, 50);
      expect(unexpected).toEqual(['postgres exited with code 3']);
      expect(output.lines.some((l) => l.includes('starting it again'))).toBe(false);
    } finally {
      await supervisor.stop();
    }
  });
});
