#!/usr/bin/env node
// Runs the compiled CLI (built into dist/ by `npm run build`, which `npm install` runs).
import '../dist/main.js';
