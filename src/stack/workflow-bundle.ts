/**
 * `tsx src/stack/workflow-bundle.ts <out.js>` (or `node dist/stack/workflow-bundle.js`, which
 * `npm run build` runs) bundles the workflow code once, so each worker process that gets it
 * (COURIER_WORKFLOW_BUNDLE, or dist/workflow-bundle.js beside the compiled worker) starts in about
 * a second instead of bundling again. It runs as its own process: webpack inside Jest's module
 * registry breaks.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error('usage: workflow-bundle <output.js>');
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quiet });
  mkdirSync(dirname(resolve(out)), { recursive: true });
  writeFileSync(out, code);
  console.log(`workflow bundle written to ${out} (${(code.length / 1024).toFixed(0)} KiB)`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
