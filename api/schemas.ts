import { z } from "zod";

/** Every 4xx/5xx body: what went wrong, in a sentence that names the field or id. */
export const ErrorBody = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  message: z.string(),
});
