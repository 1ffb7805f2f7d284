import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Flow } from '../flows/definition.js';
import type { Metrics } from '../metrics.js';
import type { Spool } from '../store/spool.js';
import type { Store } from '../store/database.js';
import type { ChannelDirectory } from './channels.js';

/** What the engine's functions need from the running process: passed in, never global. */
export interface EngineContext {
  config: Config;
  store: Store;
  channels: ChannelDirectory;
  log: Logger;
  metrics: Metrics;
  /** The conversation flows, by name (flows/*.yaml). */
  flows: Map<string, Flow>;
  /** Signs flows' calls to the business's endpoints. */
  flowSecret: string;
  /** Takes webhooks while PostgreSQL is unreachable; null on SQLite. */
  spool: Spool | null;
  /** Tells this process's worker that jobs were just committed, so it claims them at once. */
  jobsQueued(): void;
}
