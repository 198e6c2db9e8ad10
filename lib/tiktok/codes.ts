/** Business API `code` values Signalwatch branches on (TikTok's Python SDK `tiktok_code.py`). */
export const TIKTOK_CODE = {
  OK: 0,
  PARTIAL_OK: 20001,
  BAD_PARAMETERS: 40000,
  NO_PERMISSION: 40001,
  INVALID_PARAMETER: 40002,
  INVALID_BATCH_SIZE: 40061,
  PII_NOT_HASHED: 40062,
  TOO_MANY_REQUESTS: 40100,
  TOKEN_EXPIRED: 40102,
  TOKEN_EMPTY: 40104,
  TOKEN_INVALID: 40105,
  SYSTEM_ERROR: 50000,
  SERVICE_ERROR: 50002,
} as const;

export type CodeClass = 'ok' | 'transient' | 'permanent';

/**
 * What a TikTok answer means for the sender. `code` is null when the body held no envelope.
 * HTTP 429/5xx are transient whatever the body says; otherwise the envelope's code decides.
 * The whole 5xxxx and 6xxxx families are treated as server-side (the SDK lists 50000, 50002,
 * 51xxx, 60001, 61000; an unlisted neighbour is more likely the same kind than a bad request).
 */
export function classifyTikTokCode(httpStatus: number, code: number | null | undefined): CodeClass {
  if (httpStatus === 429 || httpStatus >= 500) return 'transient';
  if (code === null || code === undefined) return 'permanent';
  if (code === TIKTOK_CODE.OK || code === TIKTOK_CODE.PARTIAL_OK) {
    return httpStatus >= 200 && httpStatus < 300 ? 'ok' : 'permanent';
  }
  if (code === TIKTOK_CODE.TOO_MANY_REQUESTS) return 'transient';
  if (code >= 50000 && code < 70000) return 'transient';
  return 'permanent';
}

/** Refusals about the token or pixel, not an event: sending fewer events cannot help. */
export function isRequestLevelRefusal(code: number): boolean {
  return (
    code === TIKTOK_CODE.NO_PERMISSION ||
    code === TIKTOK_CODE.TOKEN_EXPIRED ||
    code === TIKTOK_CODE.TOKEN_EMPTY ||
    code === TIKTOK_CODE.TOKEN_INVALID
  );
}
