import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import kafkajs from "kafkajs";
import { describe, expect, it } from "vitest";
import { compress as snappyRaw } from "snappy";
import { lz4Decode, lz4Encode, registerCompressionCodecs, snappyDecode, snappyEncode, zstdDecode, zstdEncode } from "./compression.js";

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../test/fixtures/kafka-compression");
const recordValue = (n: number) => Array.from({ length: 300 }, (_, m) => `record ${n} line ${m}: the quick brown fox ${(m * n) % 97} jumps over the lazy dog\n`).join("");
const decoders = { snappy: snappyDecode, lz4: lz4Decode, zstd: zstdDecode } as const;

describe("Kafka compression codecs", () => {
  for (const producer of ["java", "franz-go"]) {
    for (const codec of ["snappy", "lz4", "zstd"] as const) {
      it(`decodes a ${codec} record batch as the ${producer} client wrote it to the broker`, async () => {
        const records = await decoders[codec](readFileSync(path.join(fixtures, `${producer}-${codec}-1.bin`)));
        const text = records.toString("latin1");
        for (let n = 1; n <= 5; n++) expect(text).toContain(recordValue(n));
      });
    }
  }

  it("tells the Java client's xerial-framed snappy from a raw snappy block by its header", () => {
    expect(readFileSync(path.join(fixtures, "java-snappy-1.bin")).subarray(0, 8).toString("latin1")).toBe("\x82SNAPPY\x00");
    expect(readFileSync(path.join(fixtures, "franz-go-snappy-1.bin"))[0]).not.toBe(0x82);
  });

  it("decodes xerial framing of several chunks, and refuses a truncated one with where it broke", async () => {
    const data = randomBytes(100_000);
    const framed = await snappyEncode(data);
    expect(framed.subarray(0, 8).toString("latin1")).toBe("\x82SNAPPY\x00");
    expect(framed.readInt32BE(8)).toBe(1);
    expect((await snappyDecode(framed)).equals(data)).toBe(true);
    await expect(snappyDecode(framed.subarray(0, framed.length - 10))).rejects.toThrow(/xerial snappy: chunk of \d+ bytes at byte \d+ overruns/);
    expect((await snappyDecode(await snappyRaw(data))).equals(data)).toBe(true);
  });

  it("writes lz4 frames and zstd frames that decode to the same bytes", async () => {
    const data = Buffer.from(recordValue(3).repeat(20));
    const lz4 = await lz4Encode(data);
    expect(lz4.readUInt32LE(0)).toBe(0x184d2204);
    expect((await lz4Decode(lz4)).equals(data)).toBe(true);
    const zstd = await zstdEncode(data);
    expect(zstd.readUInt32LE(0)).toBe(0xfd2fb528);
    expect((await zstdDecode(zstd)).equals(data)).toBe(true);
  });

  it("registers snappy, lz4 and zstd in kafkajs' codec table (kafkajs itself only has gzip)", async () => {
    registerCompressionCodecs();
    const codecs = kafkajs.CompressionCodecs as unknown as Record<number, () => { compress(e: { buffer: Buffer }): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> }>;
    const data = Buffer.from(recordValue(2));
    for (const type of [kafkajs.CompressionTypes.Snappy, kafkajs.CompressionTypes.LZ4, kafkajs.CompressionTypes.ZSTD]) {
      const codec = codecs[type]!();
      expect((await codec.decompress(await codec.compress({ buffer: data }))).equals(data)).toBe(true);
    }
  });
});
