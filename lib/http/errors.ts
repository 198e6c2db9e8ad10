/**
 * The one error shape of the HTTP API: {"error":{"code","message"}}.
 * Domain code throws AppError; route handlers and server.ts map it to a response here.
 */
export type ErrorCode =
  | 'bad_request'
  | 'invalid_json'
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'rate_limited'
  | 'unsupported_media_type'
  | 'method_not_allowed'
  | 'internal_error'
  | (string & {});

const statusByCode: Record<string, number> = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
};

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    status?: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = status ?? statusByCode[code] ?? 400;
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** Maps any thrown value to a status and the one error body; internals never leak. */
export function toErrorBody(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof AppError) {
    const body: ErrorBody = { error: { code: err.code, message: err.message } };
    if (err.details !== undefined) body.error.details = err.details;
    return { status: err.status, body };
  }
  console.error('[signalwatch] unexpected error:', err);
  return { status: 500, body: { error: { code: 'internal_error', message: 'Internal server error' } } };
}

export function errorResponse(err: unknown): Response {
  const { status, body } = toErrorBody(err);
  return Response.json(body, { status });
}
