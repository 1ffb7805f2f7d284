#!/usr/bin/env node
// The published entry point runs the compiled CLI (built by `npm run build`, run on `npm install`).
import('../dist/cli.js').then((cli) => cli.main(process.argv.slice(2)));
