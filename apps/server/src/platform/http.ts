import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type FieldError, problem } from './errors.ts';

/** The one error handler: everything leaves as application/problem+json. */
export function sendProblem(reply: FastifyReply, request: FastifyRequest, err: AppError) {
  for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  return reply
    .code(err.status)
    .type('application/problem+json')
    .send(
      problem(err.status, err.code, err.message, {
        instance: request.url,
        request_id: request.id,
        ...(err.errors ? { errors: err.errors } : {}),
        ...err.extensions,
      }),
    );
}

const FASTIFY_CODES: Record<string, { status: number; code: string; detail: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'malformed_json',
    detail: 'The request body is not valid JSON.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'malformed_json',
    detail: "The request has Content-Type 'application/json' but an empty body.",
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'body_too_large',
    detail: 'The request body is too large.',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    detail: 'This Content-Type is not accepted here; send application/json.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'invalid_content_length',
    detail: 'The Content-Length header does not match the body.',
  },
};

export function toAppError(err: FastifyError | Error): AppError {
  if (err instanceof AppError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where: string = (err as FastifyError).validationContext ?? 'body';
    const errors: FieldError[] = [];
    for (const issue of err.validation) {
      const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
      const keys = (issue.params as { keys?: string[] }).keys;
      if (issue.keyword === 'unrecognized_keys' && keys) {
        for (const key of keys)
          errors.push({ field: path ? `${path}.${key}` : key, reason: 'is not a known field' });
      } else {
        errors.push({ field: path || where, reason: issue.message ?? 'is invalid' });
      }
    }
    return new AppError(400, 'validation_failed', `The request ${where} has invalid fields.`, { errors });
  }
  const fe = err as FastifyError;
  const known = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  if (known) return new AppError(known.status, known.code, known.detail);
  if (fe.statusCode === 429)
    return new AppError(429, 'rate_limited', 'Too many requests; slow down and retry later.');
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new AppError(fe.statusCode, (fe.code ?? 'bad_request').toLowerCase(), fe.message);
  }
  return new AppError(
    500,
    'internal_error',
    'Something went wrong on our side; the request was not applied.',
  );
}
