'use strict';
// Preloaded (`node --require`) into the compiled processes of test/integration/compiled-build:
// a require from the build of a package that only devDependencies provide fails at once, as it
// would in the image, where `npm prune --omit=dev` removed it.
const Module = require('node:module');
const { join, sep } = require('node:path');

const root = join(__dirname, '..', '..');
const dist = process.env.COURIER_FORBID_DEV_FROM;
const devOnly = Object.keys(require(join(root, 'package.json')).devDependencies).map((name) => join(root, 'node_modules', name) + sep);
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const resolved = resolve.call(this, request, parent, ...rest);
  if (dist && parent?.filename?.startsWith(dist) && devOnly.some((dir) => resolved.startsWith(dir))) {
    throw new Error(`${parent.filename} requires '${request}', a devDependency: the production image does not have it`);
  }
  return resolved;
};
