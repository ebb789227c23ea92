/**
 * Every command runs on a supported Node (package.json's engines): this test process, started by
 * `npm test` or `npm run test:unit` through scripts/on-node.sh, and the `node` its children find
 * on PATH (tsx's and jest's `#!/usr/bin/env node`, the npm scripts tests run).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const engines = (JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { engines: { node: string } }).engines;
const minimum = Number(/^>=(\d+)$/.exec(engines.node)?.[1]);
const major = (version: string) => Number(version.replace(/^v/, '').split('.')[0]);

describe('the Node every command runs on', () => {
  it('is at least the major version package.json asks for', () => {
    expect(minimum).toBeGreaterThanOrEqual(22);
    expect(major(process.version)).toBeGreaterThanOrEqual(minimum);
  });

  it('is also the node on PATH, which scripts and shebangs start', () => {
    expect(major(execFileSync('node', ['--version'], { encoding: 'utf8' }).trim())).toBeGreaterThanOrEqual(minimum);
  });
});
