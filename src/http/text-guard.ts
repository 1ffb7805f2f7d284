import type { FastifyRequest } from 'fastify';
import { nulPath } from '../core/text.js';
import { ParleyError } from '../errors.js';

/**
 * Refuses a request whose path, query or JSON body holds a NUL character (core/text.ts): no id
 * Parley gives out contains one, so a path naming one is `not_found`; a query or body field with
 * one is `invalid_payload`, named. Runs before validation and the handler, so no route passes a NUL
 * to the database, where PostgreSQL would fail on it and SQLite would not.
 */
export async function refuseNulCharacters(request: FastifyRequest): Promise<void> {
  if (nulPath(request.params) !== null) throw new ParleyError('not_found', `No route or record for ${request.method} with this path.`);
  const inQuery = nulPath(request.query, 'query');
  if (inQuery !== null) throw new ParleyError('invalid_payload', `${inQuery}: contains a NUL character.`);
  const inBody = nulPath(request.body);
  if (inBody !== null) throw new ParleyError('invalid_payload', `${inBody}: contains a NUL character.`);
}
