import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ParleyError, type ErrorCode } from '../errors.js';

// Fastify's own request errors, in Parley's codes: a client sees one error shape, whoever raised it.
const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_BAD_URL: 'bad_request',
  FST_ERR_MAX_PARAM_LENGTH: 'uri_too_long',
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

/**
 * Fastify's `frameworkErrors`: errors it raises while routing (a path segment over
 * `maxParamLength`, a URL that does not decode), which otherwise skip the error handler and repeat
 * the URL back. They get Parley's shape, and only the code's own message.
 */
export function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const mapped = error.code ? fastifyCodes[error.code] : undefined;
  const parley = new ParleyError(mapped ?? 'bad_request');
  void reply.status(parley.status).send(parley.toJSON());
}

/** A whole HTTP/1.1 response carrying `error`, for sockets no request object exists for. */
function rawErrorResponse(error: ParleyError): string {
  const body = JSON.stringify(error.toJSON());
  const lines = [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

// Node's parser codes, in Parley's; every other parser error is a request that is not HTTP/1.1.
const clientErrorCodes: Record<string, ErrorCode> = {
  ERR_HTTP_REQUEST_TIMEOUT: 'request_timeout',
  HPE_HEADER_OVERFLOW: 'headers_too_large',
};

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses before there is a request (a
 * malformed request line, both Content-Length and Transfer-Encoding, headers too large, a request
 * that did not arrive within the timeouts). Answered in Parley's shape, then the connection closes:
 * whatever follows on it cannot be trusted to start a request.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code: ErrorCode = (error.code ? clientErrorCodes[error.code] : undefined) ?? 'bad_request';
  const parley = new ParleyError(code, code === 'bad_request' ? 'The request is not valid HTTP/1.1.' : undefined);
  // A response already under way cannot have another written into it.
  const response = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !response?.headersSent) socket.end(rawErrorResponse(parley), () => socket.destroy());
  else socket.destroy();
}
