import { CodedError } from '@tinysaver/errors';

export const ContractErrorCode = {
  /** A job payload that does not follow its schema (wrong version, missing or bad field). */
  PayloadInvalid: 'payload-invalid',
  /** A failure reason that is not in the `[code] message` form. */
  FailureUnparsable: 'failure-unparsable',
} as const;
export type ContractErrorCode = (typeof ContractErrorCode)[keyof typeof ContractErrorCode];

/** Raised when data crossing the queue breaks the contract; `code` is a {@link ContractErrorCode}. */
export class ContractError extends CodedError<ContractErrorCode> {
  override readonly name = 'ContractError';
}
