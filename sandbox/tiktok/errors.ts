/** A refusal of the fake's own `/sandbox/*` endpoints, answered as `{"error":{code,message}}`. */
export class SandboxRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SandboxRequestError';
  }
}
