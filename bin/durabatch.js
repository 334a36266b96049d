#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so the CLI needs no build step.
require('tsx/cjs');
require('../src/cli/main.ts');
