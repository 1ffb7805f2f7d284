import { createLogger } from '../../src/logger.js';

/** Quiet by default; PARLEY_TEST_LOG=debug shows what the code under test logs. */
export const testLog = createLogger(process.env.PARLEY_TEST_LOG ?? 'silent');
