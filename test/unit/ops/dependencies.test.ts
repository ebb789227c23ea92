/**
 * What the production image installs: every production dependency is one the compiled code
 * imports (a package nothing imports is weight and attack surface), and no dependency phones
 * home at install time (swagger-ui-dist's Scarf analytics are off in package.json).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  scarfSettings?: { enabled?: boolean };
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** The package a module specifier names: `@scope/name` or `name`, without a subpath. */
const packageOf = (specifier: string): string => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

const imported = new Set(
  sources(join(ROOT, 'src')).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/(?:from|import|require\()\s*['"]([^'"./][^'"]*)['"]/g)].map(([, specifier = '']) => packageOf(specifier)),
  ),
);

describe('production dependencies', () => {
  it('are all imported by src/', () => {
    expect(Object.keys(manifest.dependencies).filter((name) => !imported.has(name))).toEqual([]);
  });

  it('include no install-time telemetry', () => {
    expect(manifest.scarfSettings?.enabled).toBe(false);
  });
});
