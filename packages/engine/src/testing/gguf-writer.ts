/**
 * @module A minimal GGUF v3 writer (little-endian): metadata, tensor infos and F32/F16 tensor data,
 * or Q8_0/Q4_0 quantized as llama.cpp's reference quantizers do (blocks of 32 values sharing an F16 scale).
 * Enough to write test models; it does not quantize.
 */
import { open } from "node:fs/promises";

/** A metadata value tagged with its GGUF type, since a JS number alone doesn't say which. */
export type GgufValue =
  | { type: "uint32"; value: number }
  | { type: "int32"; value: number }
  | { type: "float32"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string }
  | { type: "string[]"; value: readonly string[] }
  | { type: "int32[]"; value: ArrayLike<number> }
  | { type: "float32[]"; value: ArrayLike<number> };

export type GgufTensor = {
  name: string;
  /** ggml `ne` order: the fastest-varying dimension first, so a matrix for y = W x is [in, out]. */
  dimensions: readonly number[];
  type: "F32" | "F16" | "Q8_0" | "Q4_0";
  /** Called once, when the tensor is written, so only one tensor's values are in memory at a time. */
  values: () => Float32Array;
};

type GgufFile = {
  metadata: ReadonlyMap<string, GgufValue>;
  tensors: readonly GgufTensor[];
  alignment?: number;
};

const valueTypes = { uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9 } as const;
const tensorTypes = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 8 } as const;
/** Bytes per block of `values` values: one value for floats, 32 sharing an F16 scale for the quantized. */
const layouts = {
  F32: { values: 1, bytes: 4 },
  F16: { values: 1, bytes: 2 },
  Q8_0: { values: 32, bytes: 2 + 32 },
  Q4_0: { values: 32, bytes: 2 + 16 },
} as const;

/** Writes `file` as GGUF v3 to `path` and returns the number of bytes written. */
export async function writeGguf(path: string, file: GgufFile): Promise<number> {
  const alignment = file.alignment ?? 32;
  const header = new ByteWriter();
  header.bytes(Buffer.from("GGUF", "ascii"));
  header.uint32(3);
  header.uint64(file.tensors.length);
  header.uint64(file.metadata.size);
  for (const [key, value] of file.metadata) {
    header.string(key);
    writeValue(header, value);
  }
  let offset = 0;
  for (const tensor of file.tensors) {
    header.string(tensor.name);
    header.uint32(tensor.dimensions.length);
    for (const dimension of tensor.dimensions) header.uint64(dimension);
    header.uint32(tensorTypes[tensor.type]);
    header.uint64(offset);
    offset = alignUp(offset + tensorByteLength(tensor), alignment);
  }
  header.padTo(alignment);

  const handle = await open(path, "w");
  try {
    let written = (await handle.write(header.toBuffer())).bytesWritten;
    for (const tensor of file.tensors) {
      const data = encodeTensor(tensor);
      const padding = Buffer.alloc(alignUp(data.length, alignment) - data.length);
      written += (await handle.write(Buffer.concat([data, padding]))).bytesWritten;
    }
    return written;
  } finally {
    await handle.close();
  }
}

function writeValue(writer: ByteWriter, value: GgufValue): void {
  switch (value.type) {
    case "uint32":
      writer.uint32(valueTypes.uint32);
      writer.uint32(value.value);
      return;
    case "int32":
      writer.uint32(valueTypes.int32);
      writer.int32(value.value);
      return;
    case "float32":
      writer.uint32(valueTypes.float32);
      writer.float32(value.value);
      return;
    case "bool":
      writer.uint32(valueTypes.bool);
      writer.uint8(value.value ? 1 : 0);
      return;
    case "string":
      writer.uint32(valueTypes.string);
      writer.string(value.value);
      return;
    case "string[]":
      writer.arrayHeader(valueTypes.string, value.value.length);
      for (const item of value.value) writer.string(item);
      return;
    case "int32[]":
      writer.arrayHeader(valueTypes.int32, value.value.length);
      for (let index = 0; index < value.value.length; index++) writer.int32(value.value[index] ?? 0);
      return;
    case "float32[]":
      writer.arrayHeader(valueTypes.float32, value.value.length);
      for (let index = 0; index < value.value.length; index++) writer.float32(value.value[index] ?? 0);
      return;
  }
}

function valueCount(tensor: GgufTensor): number {
  return tensor.dimensions.reduce((product, dimension) => product * dimension, 1);
}

function tensorByteLength(tensor: GgufTensor): number {
  const layout = layouts[tensor.type];
  if ((tensor.dimensions[0] ?? 0) % layout.values !== 0) {
    throw new Error(`Tensor ${tensor.name}: a ${tensor.type} row must be a multiple of ${layout.values} values`);
  }
  return (valueCount(tensor) / layout.values) * layout.bytes;
}

function encodeTensor(tensor: GgufTensor): Buffer {
  const values = tensor.values();
  if (values.length !== valueCount(tensor)) {
    throw new Error(`Tensor ${tensor.name} has ${values.length} values, not [${tensor.dimensions.join(", ")}]`);
  }
  if (tensor.type === "Q8_0" || tensor.type === "Q4_0") return quantize(values, tensor.type);
  // Typed arrays use the platform's byte order; every platform Node supports is little-endian, as GGUF is.
  const data = tensor.type === "F32" ? values : float32ToFloat16(values);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * ggml's reference quantizers (quantize_row_q8_0_ref, quantize_row_q4_0_ref): per block of 32, Q8_0
 * stores d = max|x| / 127 and round(x / d); Q4_0 stores d = (the value of largest magnitude) / -8 and
 * x / d + 8 in 4 bits, values j and j + 16 sharing a byte (low, high nibble).
 */
function quantize(values: Float32Array, type: "Q8_0" | "Q4_0"): Buffer {
  const layout = layouts[type];
  const blocks = values.length / 32;
  const out = Buffer.alloc(blocks * layout.bytes);
  for (let block = 0; block < blocks; block++) {
    const x = values.subarray(block * 32, block * 32 + 32);
    const at = block * layout.bytes;
    let max = 0;
    for (const value of x) if (Math.abs(value) > Math.abs(max)) max = value;
    if (type === "Q8_0") {
      const d = Math.abs(max) / 127;
      const inverse = d === 0 ? 0 : 1 / d;
      out.writeUInt16LE(float32ToFloat16(Float32Array.of(d))[0] ?? 0, at);
      for (let index = 0; index < 32; index++) out.writeInt8(Math.round((x[index] ?? 0) * inverse), at + 2 + index);
    } else {
      const d = max / -8;
      const inverse = d === 0 ? 0 : 1 / d;
      out.writeUInt16LE(float32ToFloat16(Float32Array.of(d))[0] ?? 0, at);
      const nibble = (value: number) => Math.min(15, Math.trunc(value * inverse + 8.5));
      for (let index = 0; index < 16; index++) {
        out.writeUInt8(nibble(x[index] ?? 0) | (nibble(x[index + 16] ?? 0) << 4), at + 2 + index);
      }
    }
  }
  return out;
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

/** IEEE 754 binary16 bits for each value, rounding to nearest even (Node 20 has no Float16Array). */
function float32ToFloat16(values: Float32Array): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const halves = new Uint16Array(values.length);
  for (let index = 0; index < values.length; index++) {
    const word = bits[index] ?? 0;
    const sign = (word >>> 16) & 0x8000;
    const exponent = ((word >>> 23) & 0xff) - 127 + 15;
    const mantissa = word & 0x7fffff;
    if (exponent >= 0x1f) {
      const isNotANumber = ((word >>> 23) & 0xff) === 0xff && mantissa !== 0;
      halves[index] = sign | 0x7c00 | (isNotANumber ? 0x200 : 0);
    } else if (exponent <= 0) {
      if (exponent < -10) {
        halves[index] = sign;
        continue;
      }
      const full = mantissa | 0x800000;
      const shift = 14 - exponent;
      const rounded = (full >>> shift) + roundBit(full, shift);
      halves[index] = sign | rounded;
    } else {
      // Adding the carry can overflow the mantissa into the exponent, which is the correct result.
      halves[index] = (sign | (exponent << 10) | (mantissa >>> 13)) + roundBit(mantissa, 13);
    }
  }
  return halves;
}

/** 1 when the bits shifted out round the kept part up (round half to even). */
function roundBit(value: number, shift: number): number {
  const remainder = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (remainder > half) return 1;
  if (remainder < half) return 0;
  return (value >>> shift) & 1;
}

class ByteWriter {
  private chunks: Buffer[] = [];
  private length = 0;

  bytes(buffer: Buffer): void {
    this.chunks.push(buffer);
    this.length += buffer.length;
  }
  uint8(value: number): void {
    this.bytes(Buffer.of(value));
  }
  uint32(value: number): void {
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32LE(value);
    this.bytes(buffer);
  }
  int32(value: number): void {
    const buffer = Buffer.alloc(4);
    buffer.writeInt32LE(value);
    this.bytes(buffer);
  }
  float32(value: number): void {
    const buffer = Buffer.alloc(4);
    buffer.writeFloatLE(value);
    this.bytes(buffer);
  }
  uint64(value: number): void {
    const buffer = Buffer.alloc(8);
    buffer.writeBigUInt64LE(BigInt(value));
    this.bytes(buffer);
  }
  string(value: string): void {
    const encoded = Buffer.from(value, "utf8");
    this.uint64(encoded.length);
    this.bytes(encoded);
  }
  arrayHeader(itemType: number, count: number): void {
    this.uint32(valueTypes.array);
    this.uint32(itemType);
    this.uint64(count);
  }
  padTo(alignment: number): void {
    this.bytes(Buffer.alloc(alignUp(this.length, alignment) - this.length));
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}
