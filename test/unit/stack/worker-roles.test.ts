import { workerProcesses } from '../../../src/stack/worker-roles';

describe('the worker processes of a local stack', () => {
  it('split: one workflows worker beside the activities workers', () => {
    expect(workerProcesses(2, 'split')).toEqual([
      { name: 'worker', role: 'workflows' },
      { name: 'worker-activities', role: 'activities' },
      { name: 'worker-activities-2', role: 'activities' },
    ]);
  });

  it('all: workers of every role', () => {
    expect(workerProcesses(2, 'all')).toEqual([
      { name: 'worker', role: 'all' },
      { name: 'worker-2', role: 'all' },
    ]);
  });
});
