// The changes topic's messages: one JSON change event each, validated by the zod schema
// (schemas/changes.ts), so a malformed one is dead-lettered with the field that is wrong.
import { parseChangeEvent, type ChangeEvent } from "../../schemas/changes.js";
import { DecodeError } from "./decode-error.js";

export function decodeChangeEvent(value: Buffer): ChangeEvent {
  let data: unknown;
  try {
    data = JSON.parse(value.toString("utf8"));
  } catch (err) {
    throw new DecodeError("decode_error", `not JSON: ${(err as Error).message}`);
  }
  try {
    return parseChangeEvent(data);
  } catch (err) {
    throw new DecodeError("invalid_payload", `not a change event: ${(err as Error).message}`);
  }
}
