// Process entry point: `parley …` (bin/parley.js runs the compiled copy of this file).
import { main } from './cli.js';

process.exitCode = await main(process.argv.slice(2));
