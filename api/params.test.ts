import { describe, expect, it } from "vitest";
import { z } from "zod";
import { paginationFields, queryInteger } from "./params.js";

describe("queryInteger", () => {
  const status = z.object({ status: queryInteger(z.number().int().min(100).max(599)).optional() });

  it("takes decimal digits within the bounds", () => {
    expect(status.parse({ status: "100" })).toEqual({ status: 100 });
    expect(status.parse({})).toEqual({});
  });

  it("refuses what Number() would also read: exponents, hex, spaces, fractions, empty", () => {
    for (const value of ["1e2", "0x64", " 100", "100 ", "100.0", "+100", ""]) {
      const result = status.safeParse({ status: value });
      expect(result.success, value).toBe(false);
      expect(result.error!.issues[0]!.message).toBe("must be an integer in decimal digits");
    }
  });

  it("keeps the bounds and the defaults", () => {
    expect(status.safeParse({ status: "99" }).success).toBe(false);
    expect(z.object(paginationFields).parse({})).toEqual({ limit: 50, offset: 0 });
    expect(z.object(paginationFields).parse({ limit: "7" })).toEqual({ limit: 7, offset: 0 });
  });
});
