/** Why a message went to the dead-letter topic: a stable code for counting, a reason for humans. */
export type DeadLetterCode =
  | "empty_message"
  | "message_too_large"
  | "unsupported_content_type"
  | "decode_error"
  | "invalid_payload"
  | "normalize_error"
  /** The store refused the message's rows as data (ClickHouse parse, type, constraint or size errors). */
  | "store_rejected";

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
