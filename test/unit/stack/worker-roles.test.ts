import { workerPlanEnv, workerProcesses } from '../../../src/stack/worker-roles';

describe('the worker processes of a local stack', () => {
  it('split: one workflows worker beside the activities workers, which yield the CPU', () => {
    expect(workerProcesses(2, 'split')).toEqual([
      { name: 'worker', role: 'workflows', nice: 0 },
      { name: 'worker-activities', role: 'activities', nice: 10 },
      { name: 'worker-activities-2', role: 'activities', nice: 10 },
    ]);
  });

  it('all: workers of every role', () => {
    expect(workerProcesses(2, 'all')).toEqual([
      { name: 'worker', role: 'all', nice: 0 },
      { name: 'worker-2', role: 'all', nice: 0 },
    ]);
  });

  it('a plan reaches its process as COURIER_WORKER_ROLE and COURIER_WORKER_NICE', () => {
    expect(workerPlanEnv({ name: 'worker-activities', role: 'activities', nice: 10 })).toEqual({ COURIER_WORKER_ROLE: 'activities', COURIER_WORKER_NICE: '10' });
  });
});
