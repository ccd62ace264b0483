/**
 * The one shape of every error the farm raises for input a user can get wrong: a stable,
 * machine-readable `code` (each library keeps its own catalogue of them) and a message that says
 * what happened and how to fix it. The API and CLI surface `code` and `message` as they are.
 */
export class CodedError<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
