// Reader for CTranslate2's `model.bin`, following the serializer in CTranslate2's
// python/ctranslate2/specs/model_spec.py and the loader in src/models/model.cc:
//
//   u32 binary version
//   (version >= 2) string spec name, u32 spec revision
//   u32 variable count, then per variable:
//     string name, u8 rank, u32 × rank shape,
//     (version >= 4) u8 dtype id, u32 byte count | (older) u8 item size, u32 element count
//     raw little-endian data
//   (version >= 3) u32 alias count, then per alias: string alias, string target
//
// Strings are a u16 length that counts a trailing NUL, then the bytes and the NUL.

import { decodeFloat16 } from './float16.js';

/** Newest `model.bin` layout this reader understands (CTranslate2 4.x writes 6). */
export const CT2_MAX_BINARY_VERSION = 6;

/** Element types in the order of CTranslate2's `DataType` enum. */
export const CT2_DTYPES = ['float32', 'int8', 'int16', 'int32', 'float16', 'bfloat16'] as const;

/** Element type of a CTranslate2 variable. */
export type Ct2Dtype = (typeof CT2_DTYPES)[number];

const DTYPE_BYTES: Record<Ct2Dtype, number> = {
  float32: 4,
  int8: 1,
  int16: 2,
  int32: 4,
  float16: 2,
  bfloat16: 2,
};

/** One stored tensor. `data` is a view into the file buffer, not a copy. */
export interface Ct2Variable {
  name: string;
  shape: number[];
  dtype: Ct2Dtype;
  data: Buffer;
}

/** A parsed `model.bin`. */
export interface Ct2Model {
  binaryVersion: number;
  specName: string;
  specRevision: number;
  variables: Map<string, Ct2Variable>;
  /** Alias name → name of the stored variable it shares. */
  aliases: Map<string, string>;
}

/** Thrown when `model.bin` is truncated, malformed or uses an unknown layout. */
export class Ct2FormatError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`);
    this.name = 'Ct2FormatError';
  }
}

class Cursor {
  offset = 0;

  constructor(private readonly buf: Buffer) {}

  take(length: number, what: string): Buffer {
    if (this.offset + length > this.buf.length) {
      throw new Ct2FormatError(`file ends inside ${what} of ${length} bytes`, this.offset);
    }
    const slice = this.buf.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  u8(what: string): number {
    return this.take(1, what).readUInt8(0);
  }

  u16(what: string): number {
    return this.take(2, what).readUInt16LE(0);
  }

  u32(what: string): number {
    return this.take(4, what).readUInt32LE(0);
  }

  string(what: string): string {
    const length = this.u16(what);
    const bytes = this.take(length, what);
    // The stored length includes the C string terminator.
    const end = bytes.indexOf(0);
    return bytes.toString('utf8', 0, end === -1 ? bytes.length : end);
  }
}

function dtypeFromItemSize(itemSize: number, offset: number): Ct2Dtype {
  // Layouts before version 4 stored only the item width; CTranslate2 maps it the same way.
  if (itemSize === 4) return 'float32';
  if (itemSize === 2) return 'int16';
  if (itemSize === 1) return 'int8';
  throw new Ct2FormatError(`unknown item size ${itemSize}`, offset);
}

/** Parses a CTranslate2 `model.bin` held in memory. Variable data is not copied. */
export function readCt2Model(buf: Buffer): Ct2Model {
  const cursor = new Cursor(buf);
  const binaryVersion = cursor.u32('binary version');
  if (binaryVersion < 1 || binaryVersion > CT2_MAX_BINARY_VERSION) {
    throw new Ct2FormatError(`unsupported binary version ${binaryVersion}`, 0);
  }

  let specName = '';
  let specRevision = 1;
  if (binaryVersion >= 2) {
    specName = cursor.string('spec name');
    specRevision = cursor.u32('spec revision');
  }

  const variables = new Map<string, Ct2Variable>();
  const count = cursor.u32('variable count');
  for (let i = 0; i < count; i++) {
    const name = cursor.string('variable name');
    const rank = cursor.u8(`rank of ${name}`);
    const shape: number[] = [];
    for (let d = 0; d < rank; d++) shape.push(cursor.u32(`shape of ${name}`));

    let dtype: Ct2Dtype;
    let byteLength: number;
    if (binaryVersion >= 4) {
      const typeOffset = cursor.offset;
      const typeId = cursor.u8(`dtype of ${name}`);
      const known = CT2_DTYPES[typeId];
      if (!known) throw new Ct2FormatError(`unknown dtype id ${typeId} for ${name}`, typeOffset);
      dtype = known;
      byteLength = cursor.u32(`byte count of ${name}`);
    } else {
      const itemOffset = cursor.offset;
      const itemSize = cursor.u8(`item size of ${name}`);
      dtype = dtypeFromItemSize(itemSize, itemOffset);
      byteLength = cursor.u32(`element count of ${name}`) * itemSize;
    }

    const elements = shape.reduce((a, b) => a * b, 1);
    if (elements * DTYPE_BYTES[dtype] !== byteLength) {
      throw new Ct2FormatError(
        `${name}: shape [${shape.join(', ')}] of ${dtype} needs ${elements * DTYPE_BYTES[dtype]} ` +
          `bytes but ${byteLength} are stored`,
        cursor.offset,
      );
    }
    variables.set(name, { name, shape, dtype, data: cursor.take(byteLength, `data of ${name}`) });
  }

  const aliases = new Map<string, string>();
  if (binaryVersion >= 3) {
    const aliasCount = cursor.u32('alias count');
    for (let i = 0; i < aliasCount; i++) {
      const alias = cursor.string('alias name');
      aliases.set(alias, cursor.string(`target of alias ${alias}`));
    }
  }

  if (cursor.offset !== buf.length) {
    throw new Ct2FormatError(
      `${buf.length - cursor.offset} unexpected trailing bytes`,
      cursor.offset,
    );
  }
  return { binaryVersion, specName, specRevision, variables, aliases };
}

/** Looks a variable up by name, following aliases. Returns undefined when absent. */
export function findVariable(model: Ct2Model, name: string): Ct2Variable | undefined {
  const direct = model.variables.get(name);
  if (direct) return direct;
  const target = model.aliases.get(name);
  return target === undefined ? undefined : model.variables.get(target);
}

/** Like {@link findVariable}, but throws with the missing name. */
export function getVariable(model: Ct2Model, name: string): Ct2Variable {
  const variable = findVariable(model, name);
  if (!variable) throw new Error(`CTranslate2 model has no variable ${name}`);
  return variable;
}

/** Reads an integer or boolean scalar (flags such as `decoder/pre_norm`, `encoder/num_heads`). */
export function scalarValue(variable: Ct2Variable): number {
  if (variable.shape.length !== 0) throw new Error(`${variable.name} is not a scalar`);
  switch (variable.dtype) {
    case 'int8':
      return variable.data.readInt8(0);
    case 'int16':
      return variable.data.readInt16LE(0);
    case 'int32':
      return variable.data.readInt32LE(0);
    case 'float32':
      return variable.data.readFloatLE(0);
    default:
      throw new Error(`${variable.name}: unexpected scalar type ${variable.dtype}`);
  }
}

/**
 * Returns the values of a float tensor, or of a quantized one dequantized with its
 * `<name>_scale`: CTranslate2 stores `round(w * scale)`, one scale per output row for int8
 * and a single scale for int16.
 */
export function toFloat32(model: Ct2Model, name: string): Float32Array {
  const variable = getVariable(model, name);
  const { data, dtype } = variable;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);

  switch (dtype) {
    case 'float32': {
      const out = new Float32Array(data.byteLength / 4);
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case 'float16':
      return decodeFloat16(data);
    case 'bfloat16': {
      const out = new Float32Array(data.byteLength / 2);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < out.length; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      return out;
    }
    case 'int8':
    case 'int16':
      return dequantize(model, variable, view);
    case 'int32':
      throw new Error(`${name}: int32 tensors are not weights and cannot be converted`);
  }
}

function dequantize(model: Ct2Model, variable: Ct2Variable, view: DataView): Float32Array {
  const scales = toFloat32(model, `${variable.name}_scale`);
  const width = variable.dtype === 'int8' ? 1 : 2;
  const count = variable.data.byteLength / width;
  const rows = variable.shape[0] ?? 1;
  const perRow = scales.length === rows && scales.length > 1;
  const rowLength = count / rows;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const q = width === 1 ? view.getInt8(i) : view.getInt16(i * 2, true);
    const scale = perRow ? scales[Math.floor(i / rowLength)]! : scales[0]!;
    out[i] = q / scale;
  }
  return out;
}
