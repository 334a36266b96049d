#!/usr/bin/env node
// The installed package runs its compiled CLI. A checkout (sources beside this file) runs the
// TypeScript sources through tsx, so editing the code needs no build step.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const source = join(__dirname, '..', 'src', 'cli', 'main.ts');
if (existsSync(source)) {
  require('tsx/cjs');
  require(source);
} else {
  require('../dist/src/cli/main.js');
}
