/**
 * The source files the workflow bundle is made of, and a hash of each: what the replay corpus was
 * recorded against (test/replay/histories/manifest.json). The closure follows the runtime imports
 * from src/workflows/index.ts, as webpack does; each file is hashed as the JavaScript TypeScript
 * emits for it, without comments, so a comment, a type or a type-only import (which the bundle
 * never contains) changes no hash, while any code the sandbox runs does.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { ROOT } from '../../src/stack/paths';

const ENTRY = join(ROOT, 'src', 'workflows', 'index.ts');

const EMIT_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.ESNext,
  target: ts.ScriptTarget.ES2022,
  removeComments: true,
};

export interface WorkflowSource {
  /** Relative to the repository, with forward slashes. */
  path: string;
  /** sha256 of the emitted JavaScript. */
  hash: string;
  /** Patch ids the file passes to patched() or deprecatePatch(). */
  patchIds: string[];
}

/** The bundle's project files, sorted by path; packages (node_modules) are not followed. */
export function workflowSources(): WorkflowSource[] {
  const seen = new Map<string, WorkflowSource>();
  const queue = [ENTRY];
  while (queue.length > 0) {
    const file = queue.pop()!;
    const path = relative(ROOT, file).split('\\').join('/');
    if (seen.has(path)) continue;
    const js = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: EMIT_OPTIONS, fileName: file }).outputText;
    seen.set(path, { path, hash: createHash('sha256').update(js).digest('hex'), patchIds: patchIdsIn(js) });
    for (const { fileName } of ts.preProcessFile(js, true, true).importedFiles) {
      if (fileName.startsWith('.')) queue.push(resolveImport(dirname(file), fileName));
    }
  }
  return [...seen.values()].sort((a, b) => a.path.localeCompare(b.path));
}

function resolveImport(fromDir: string, specifier: string): string {
  const base = resolve(fromDir, specifier);
  const found = [`${base}.ts`, join(base, 'index.ts'), base].find((candidate) => existsSync(candidate) && candidate.endsWith('.ts'));
  if (!found) throw new Error(`workflow sources: cannot resolve '${specifier}' from ${relative(ROOT, fromDir)}`);
  return found;
}

/** Ids given as string literals to patched('…') or deprecatePatch('…'); a computed id would escape this check. */
function patchIdsIn(js: string): string[] {
  return [...js.matchAll(/\b(?:patched|deprecatePatch)\(\s*(['"`])([^'"`]+)\1/g)].map((m) => m[2]!);
}
