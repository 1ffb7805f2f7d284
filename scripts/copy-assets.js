#!/usr/bin/env node
// `npm run build` compiles TypeScript only; the console's stylesheet and script are copied beside
// the compiled modules that read them (src/console/assets → dist/console/assets).
import { cpSync } from 'node:fs';

cpSync(new URL('../src/console/assets', import.meta.url), new URL('../dist/console/assets', import.meta.url), { recursive: true });
