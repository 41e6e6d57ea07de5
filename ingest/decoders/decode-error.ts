/** Why a message went to the dead-letter topic: a stable code for counting, a reason for humans. */
export type DeadLetterCode =
  | "empty_message"
  | "message_too_large"
  | "unsupported_content_type"
  | "decode_error"
  | "invalid_payload"
  | "normalize_error";

/** A message that can never be stored as it is; the batch goes on without it. */
export class DecodeError extends Error {
  constructor(
    readonly code: DeadLetterCode,
    message: string,
  ) {
    super(message);
    this.name = "DecodeError";
  }
}
