#!/usr/bin/env node
// The `cleanplate` command: starts the built CLI (main/cli, bundled by `npm run build`).
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const built = path.join(__dirname, '..', 'dist', 'cli', 'cleanplate.cjs');
if (!fs.existsSync(built)) {
  process.stderr.write(`cleanplate: the command is not built yet (${built} is missing); run \`npm run build\` in ${path.dirname(__dirname)} first\n`);
  process.exit(1);
}
require(built);
