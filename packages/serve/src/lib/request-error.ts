/** A request the server refuses: its HTTP status and a message that names the field and what to do. */
export class RequestError extends Error {
  override name = 'RequestError';
  constructor(
    readonly status: number,
    message: string,
    readonly details: { field?: string; hint?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
  }

  /** The JSON body: `error` is what the Open Inference Protocol specifies; field and hint are extras. */
  body(): { error: string; field?: string; hint?: string } {
    return { error: this.message, ...(this.details.field ? { field: this.details.field } : {}), ...(this.details.hint ? { hint: this.details.hint } : {}) };
  }
}

export const badRequest = (message: string, details: { field?: string; hint?: string } = {}) => new RequestError(400, message, details);
