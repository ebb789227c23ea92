import { join } from 'node:path';
import { ROOT } from '../../src/stack/paths';
import { runCommand } from '../../src/stack/run';

/** Where the workflow tests' bundle is written; outside .data/test, which the integration setup empties. */
export const WORKFLOW_TESTS_BUNDLE = join(ROOT, '.data', 'workflow-tests', 'workflow-bundle.js');

/**
 * The workflow tests (test/workflows/) share one bundle of the workflow code, made once per run
 * in its own process (webpack breaks inside Jest's module registry); each test file starts its
 * own Temporal dev server (test/support/workflow-env.ts).
 */
export default async function workflowsGlobalSetup(): Promise<void> {
  await runCommand('workflow bundling', process.execPath, ['--import', 'tsx', join(ROOT, 'src/stack/workflow-bundle.ts'), WORKFLOW_TESTS_BUNDLE]);
}
