/** A request to the mirror failed; the message is what prewarm prints for the image. */
export class MirrorRequestError extends Error {
  /** HTTP status when the mirror answered; undefined for transport and verification failures. */
  readonly status: number | undefined;
  /** The OCI error code from the mirror's body, when it sent one. */
  readonly code: string | undefined;

  constructor(message: string, options: { status?: number; code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MirrorRequestError';
    this.status = options.status;
    this.code = options.code;
  }
}
