import { configFromObject } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startParley } from '../src/server.js';

// Prints Parley's OpenAPI document (the one GET /openapi.json answers) from an app on an in-memory
// database, without listening: `npm run client:generate` turns it into the client's types.

/** The document of a Parley with one channel of each kind the API needs; nothing in it depends on the config. */
export async function openApiDocument(): Promise<unknown> {
  const config = configFromObject({ database: { url: ':memory:' }, api_key: 'openapi-document-key-0123456789', channels: [] }, { env: {} });
  const parley = await startParley(config, { log: createLogger('error'), work: false });
  try {
    await parley.app.ready();
    return parley.app.swagger();
  } finally {
    await parley.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(await openApiDocument(), null, 2)}\n`);
}
