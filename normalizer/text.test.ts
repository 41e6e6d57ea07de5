import { describe, expect, it } from "vitest";
import { limitValue } from "./attributes.js";
import { TRUNCATION_MARKER } from "./context.js";
import { textField, truncateText, wellFormed } from "./text.js";
import { storableNanos } from "./time.js";

describe("strings the store can carry", () => {
  it("replaces lone surrogates with U+FFFD and keeps pairs, NUL and control characters", () => {
    expect(wellFormed("a\ud800b")).toBe("a\ufffdb");
    expect(wellFormed("\udfff")).toBe("\ufffd");
    expect(wellFormed("🚀\u0000\t")).toBe("🚀\u0000\t");
    expect(textField(42)).toBe("");
  });

  it("never cuts a surrogate pair in half", () => {
    expect(truncateText("ab🚀", 3)).toBe("ab");
    expect(truncateText("ab🚀", 4)).toBe("ab🚀");
    const cut = limitValue("😀".repeat(100), { maxAttributesPerItem: 8, maxAttributeValueLength: 20 }, undefined);
    expect(cut.isWellFormed()).toBe(true);
    expect(cut.endsWith(TRUNCATION_MARKER)).toBe(true);
  });
});

describe("times stored as they came", () => {
  it("keeps 0 and in-range values, clamps past DateTime64(9)'s last instant", () => {
    let clamped = 0;
    const count = () => clamped++;
    expect(storableNanos("0", count)).toBe("0");
    expect(storableNanos(undefined, count)).toBe("0");
    expect(storableNanos("9223372036854775807", count)).toBe("9223372036854775807");
    expect(storableNanos("9223372036854775808", count)).toBe("9223372036854775807");
    expect(storableNanos("18446744073709551615", count)).toBe("9223372036854775807");
    expect(clamped).toBe(2);
  });
});
