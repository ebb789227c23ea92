/** The workflow bundle: every workflow type the worker registers. */
export { serviceWorkflow } from './service/workflow';
export { shardWorkflow } from './shard/workflow';
export { shardGroupWorkflow } from './shard/group-workflow';
export { notifierWorkflow } from './notifier/workflow';
export { fleetWorkflow } from './fleet/workflow';
