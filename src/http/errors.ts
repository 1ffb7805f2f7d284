import type { FastifyError, FastifyInstance } from 'fastify';
import { ParleyError, type ErrorCode } from '../errors.js';

// Fastify's own request errors, in Parley's codes: a client sees one error shape, whoever raised it.
const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_BAD_URL: 'bad_request',
  FST_ERR_VALIDATION: 'invalid_payload',
};

function toParleyError(error: FastifyError): ParleyError | null {
  if (error instanceof ParleyError) return error;
  if (error.validation) {
    const first = error.validation[0];
    const field = first?.instancePath
      ? first.instancePath.slice(1).replaceAll('/', '.')
      : (first?.params as { missingProperty?: string })?.missingProperty;
    return new ParleyError('invalid_payload', `${field ?? error.validationContext ?? 'body'}: ${first?.message ?? 'is invalid'}`);
  }
  const mapped = error.code ? fastifyCodes[error.code] : undefined;
  if (mapped) return new ParleyError(mapped);
  if (error instanceof SyntaxError) return new ParleyError('invalid_json');
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return new ParleyError('bad_request', error.message);
  return null;
}

/** Every error leaves as `{"error":{"code","message"}}`; unexpected ones are logged and stay opaque. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = toParleyError(error);
    if (known) {
      // Unavailable is temporary by definition: say when to come back.
      if (known.code === 'unavailable') reply.header('retry-after', '30');
      return reply.status(known.status).send(known.toJSON());
    }
    request.log.error({ err: error, url: request.routeOptions.url }, 'unhandled error');
    const internal = new ParleyError('internal');
    return reply.status(internal.status).send(internal.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new ParleyError('not_found', `No route for ${request.method} ${request.url.split('?')[0]}.`);
    return reply.status(error.status).send(error.toJSON());
  });
}
