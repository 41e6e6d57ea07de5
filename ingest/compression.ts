// Kafka record-batch compression codecs for kafkajs, which decodes only gzip itself (it throws
// KafkaJSNotImplemented on a fetch of snappy, lz4 or zstd batches). Each codec decodes what the
// Kafka protocol allows producers to write, as the Java client (the reference), franz-go (the
// OpenTelemetry Collector's and Go services' client), librdkafka and kafkajs write it:
//
//   snappy  a raw snappy block (franz-go, librdkafka, Sarama), or xerial framing (the Java client's
//           SnappyOutputStream): the 16-byte header 82 'SNAPPY' 00 + version + compatible version,
//           then chunks of [int32 big-endian length][raw snappy block]. Written here: xerial
//           framing, as the Java client writes it, which every Kafka client reads.
//   lz4     the LZ4 frame format (magic 04 22 4D 18) of record batches v2 (KIP-57 fixed the header
//           checksum that magic-0 message sets got wrong; Kafka 4 no longer writes those).
//   zstd    standard zstd frames (KIP-110), with or without the content size in the header (the
//           Java client's streaming encoder leaves it out).
//
// Native libraries (chosen in docs/ingest.md, "Compression"): snappy (napi-rs), lz4-napi (napi-rs,
// lz4_flex), @mongodb-js/zstd 1.x (napi-rs, the zstd crate). They run on libuv's thread pool,
// off the event loop. kafkajs keeps its codecs in one process-wide table, so registering is global
// and idempotent.
import { decompress as zstdDecompress, compress as zstdCompress } from "@mongodb-js/zstd";
import kafkajs, { CompressionTypes } from "kafkajs";
import { compressFrame as lz4CompressFrame, decompressFrame as lz4DecompressFrame } from "lz4-napi";
import { compress as snappyCompress, uncompress as snappyUncompress } from "snappy";

/** The codec shape kafkajs calls: compress gets its encoder (bytes in `.buffer`), decompress the batch's records. */
interface KafkajsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/** The compression setting names of the Java client and the Collector (`compression.type`, `producer.compression`). */
export const compressionNames = ["none", "gzip", "snappy", "lz4", "zstd"] as const;
export type CompressionName = (typeof compressionNames)[number];

export const compressionTypeOf: Record<CompressionName, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

const xerialMagic = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const xerialHeaderBytes = 16;
/** snappy-java's default block size: the uncompressed size of one xerial chunk. */
const xerialChunkBytes = 32 * 1024;

const snappyBlock = async (block: Uint8Array) => (await snappyUncompress(block, { asBuffer: true })) as Buffer;

export async function snappyDecode(buffer: Buffer): Promise<Buffer> {
  if (buffer.length < xerialHeaderBytes || !buffer.subarray(0, xerialMagic.length).equals(xerialMagic)) return snappyBlock(buffer);
  const chunks: Promise<Buffer>[] = [];
  for (let at = xerialHeaderBytes; at < buffer.length; ) {
    if (at + 4 > buffer.length) throw new Error(`xerial snappy: truncated chunk length at byte ${at} of ${buffer.length}`);
    const length = buffer.readInt32BE(at);
    at += 4;
    if (length < 0 || at + length > buffer.length) throw new Error(`xerial snappy: chunk of ${length} bytes at byte ${at} overruns the ${buffer.length}-byte buffer`);
    chunks.push(snappyBlock(buffer.subarray(at, at + length)));
    at += length;
  }
  return Buffer.concat(await Promise.all(chunks));
}

export async function snappyEncode(buffer: Buffer): Promise<Buffer> {
  const header = Buffer.alloc(xerialHeaderBytes);
  xerialMagic.copy(header);
  header.writeInt32BE(1, 8); // version
  header.writeInt32BE(1, 12); // minimum compatible version
  const parts: Buffer[] = [header];
  const blocks = [];
  for (let at = 0; at < buffer.length; at += xerialChunkBytes) blocks.push(snappyCompress(buffer.subarray(at, at + xerialChunkBytes)));
  for (const block of await Promise.all(blocks)) {
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

export const lz4Decode = (buffer: Buffer) => lz4DecompressFrame(buffer);
// Independent blocks without checksums, as the Java client's KafkaLZ4BlockOutputStream writes.
export const lz4Encode = (buffer: Buffer) => lz4CompressFrame(buffer, { contentChecksum: false, blockChecksums: false });

export const zstdDecode = (buffer: Buffer) => zstdDecompress(buffer);
/** Level 3: zstd's default, and the Java client's (compression.zstd.level). */
export const zstdEncode = (buffer: Buffer) => zstdCompress(buffer, 3);

const codec = (encode: (buffer: Buffer) => Promise<Buffer>, decode: (buffer: Buffer) => Promise<Buffer>): KafkajsCodec => ({
  compress: (encoder) => encode(encoder.buffer),
  decompress: decode,
});

let registered = false;

/** Makes every kafkajs client of this process read and write snappy, lz4 and zstd batches. */
export function registerCompressionCodecs(): void {
  if (registered) return;
  // A CommonJS export that Node's ESM named-export detection does not see.
  const codecs = kafkajs.CompressionCodecs as unknown as Record<number, () => KafkajsCodec>;
  const snappy = codec(snappyEncode, snappyDecode);
  const lz4 = codec(lz4Encode, lz4Decode);
  const zstd = codec(zstdEncode, zstdDecode);
  codecs[CompressionTypes.Snappy] = () => snappy;
  codecs[CompressionTypes.LZ4] = () => lz4;
  codecs[CompressionTypes.ZSTD] = () => zstd;
  registered = true;
}
