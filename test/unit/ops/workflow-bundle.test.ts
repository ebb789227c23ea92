/**
 * What the workflow bundle holds. With a reused V8 context the SDK evaluates a workflow's modules
 * again for every workflow it caches, so a library imported by workflow code is paid once per
 * cached workflow: zod, reached through the node-id pattern, cost 0.7 MB each (docs/performance.md
 * §9). The bundle may hold the SDK and its own dependencies, and Courier's code, nothing else.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const SDK_PACKAGES = new Set(['@temporalio/common', '@temporalio/workflow', 'nexus-rpc', 'long', 'ms']);

describe('the workflow bundle', () => {
  let dir: string;
  let code: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'courier-bundle-'));
    const out = join(dir, 'bundle.js');
    // webpack does not run inside Jest's module registry: bundle in a process of its own.
    execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/stack/workflow-bundle.ts'), out], { cwd: ROOT, stdio: 'pipe' });
    code = readFileSync(out, 'utf8');
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds no package but the SDK and its own dependencies', () => {
    const packages = new Set([...code.matchAll(/!\*\*\* \.\/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].map(([, name]) => name));
    expect(packages.size).toBeGreaterThan(0);
    expect([...packages].filter((name) => !SDK_PACKAGES.has(name!))).toEqual([]);
  });

  it('holds no Courier module outside the workflows and the pure domain', () => {
    const modules = [...code.matchAll(/!\*\*\* \.\/(src\/[^ ]+) \*\*\*!/g)].map(([, path]) => path!);
    expect(modules).toContain('src/workflows/service/workflow.ts');
    expect(modules.filter((path) => !/^src\/(workflows|domain)\//.test(path))).toEqual([]);
  });
});
