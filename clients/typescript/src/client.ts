import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { paths } from './api-types.js';

/** A Parley client: openapi-fetch over the API's generated types; every call is checked against the document at compile time. */
export type ParleyClient = Client<paths>;

export interface ParleyClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where Parley listens, e.g. `https://sms.example.com`. */
  baseUrl: string;
  /** The API key (parley.yaml `api_key`), sent as `Authorization: Bearer …`. */
  apiKey: string;
}

export function createParleyClient({ baseUrl, apiKey, headers, ...options }: ParleyClientOptions): ParleyClient {
  return createClient<paths>({
    ...options,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: { ...(headers as Record<string, string> | undefined), authorization: `Bearer ${apiKey}` },
  });
}

/** A page of a list as Parley answers it: its rows and the cursor of the next page. */
interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/**
 * Every row of a paged list, reading page after page: `readPage` is called with the cursor of the
 * next page (undefined for the first) and returns the page, e.g.
 * `(cursor) => client.GET('/v1/conversations', { params: { query: { cursor, limit: 100 } } })`.
 */
export async function* allPages<T>(
  readPage: (cursor: string | undefined) => Promise<{ data?: Page<T>; error?: unknown }>,
): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const { data, error } = await readPage(cursor);
    if (!data) throw new ParleyApiError(error);
    yield* data.data;
    cursor = data.next_cursor ?? undefined;
  } while (cursor !== undefined);
}

/** An error answer of the API (`{"error":{"code","message"}}`), thrown by the helpers here. */
export class ParleyApiError extends Error {
  readonly code: string;
  constructor(readonly body: unknown) {
    const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    super(error?.message ?? 'Parley answered with an error.');
    this.name = 'ParleyApiError';
    this.code = error?.code ?? 'unknown';
  }
}
