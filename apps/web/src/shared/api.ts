import type { ProblemBody } from '@billrail/contracts';

/** One invalid field as the API reports it in a problem's `errors[]`. */
export interface FieldError {
  field: string;
  reason: string;
}

/**
 * A failed API call. Problem+json responses (RFC 9457) keep their stable `code`, human `detail`
 * and field errors; anything else (a proxy's HTML error page, a dropped connection) gets a
 * synthetic code so the UI has one shape to render.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly errors: FieldError[];
  /** Seconds from a Retry-After header (rate limits and lockouts), when present. */
  readonly retryAfter: number | null;

  constructor(init: {
    status: number;
    code: string;
    detail: string;
    errors?: FieldError[];
    retryAfter?: number | null;
  }) {
    super(init.detail);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.errors = init.errors ?? [];
    this.retryAfter = init.retryAfter ?? null;
  }

  /** The first reason given for a field, e.g. `new_password`. */
  fieldError(field: string): string | undefined {
    return this.errors.find((e) => e.field === field)?.reason;
  }
}

/** Codes with which the API says "you are not (or no longer) signed in". */
export const SIGNED_OUT_CODES = new Set(['session_expired', 'authentication_required']);

export const isSignedOutError = (err: unknown): err is ApiError =>
  err instanceof ApiError && err.status === 401 && SIGNED_OUT_CODES.has(err.code);

// The CSRF token of the current session. It arrives in the body of sign-in and of
// GET /v1/auth/session (the cookie itself is HttpOnly), and every cookie-authenticated write must
// echo it in X-CSRF-Token.
let csrfToken: string | null = null;
export function setCsrfToken(token: string | null) {
  csrfToken = token;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
}

function isProblem(value: unknown): value is ProblemBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ProblemBody).code === 'string' &&
    typeof (value as ProblemBody).status === 'number'
  );
}

async function toApiError(res: Response): Promise<ApiError> {
  const retry = Number(res.headers.get('retry-after'));
  const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : null;
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    const body: unknown = await res.json().catch(() => null);
    if (isProblem(body)) {
      return new ApiError({
        status: res.status,
        code: body.code,
        detail: body.detail || body.title,
        errors: body.errors ?? [],
        retryAfter,
      });
    }
  }
  return new ApiError({
    status: res.status,
    code: 'http_error',
    detail: `${res.status} ${res.statusText}`.trim(),
    retryAfter,
  });
}

/** Calls the Billrail API on this origin; resolves with the JSON body (undefined for 204). */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (WRITE_METHODS.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError({ status: 0, code: 'network_error', detail: 'The server could not be reached.' });
  }
  if (!res.ok) throw await toApiError(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}
