#!/usr/bin/env node
// Launcher for the `tinysaver` command (linked into node_modules/.bin by npm ci). Runs the
// compiled CLI when it has been built; otherwise runs the TypeScript sources through tsx with
// the "development" export condition (workspace libs resolve to their sources), so
// `npx tinysaver …` works in a fresh checkout without a build step.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');
const { pathToFileURL } = require('node:url');

const built = join(__dirname, '..', 'dist', 'main.js');
if (existsSync(built)) {
  require(built);
} else {
  // Export conditions are fixed when Node starts, hence a child process. tsx is registered with
  // --import (ESM and CJS hooks): main.ts loads commands with import('./commands/x.js').
  const result = spawnSync(
    process.execPath,
    [
      '--conditions=development',
      '--import',
      pathToFileURL(require.resolve('tsx')).href,
      join(__dirname, '..', 'src', 'main.ts'),
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit' },
  );
  if (result.error) throw result.error;
  process.exitCode = result.status ?? (result.signal ? 128 : 1);
}
