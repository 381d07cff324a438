// The legacy ggml file whisper.cpp loads (`whisper_model_load` in src/whisper.cpp), written
// the way its models/convert-pt-to-ggml.py does. All integers are little-endian int32:
//
//   magic 0x67676d6c ("ggml")
//   hparams: n_vocab n_audio_ctx n_audio_state n_audio_head n_audio_layer
//            n_text_ctx n_text_state n_text_head n_text_layer n_mels ftype
//   mel filters: n_mel n_fft, then n_mel × n_fft float32
//   vocabulary: count, then per token a length and the raw bytes
//   tensors until end of file: n_dims, name length, type (0 f32, 1 f16),
//            ne[0..n_dims) innermost first, name bytes, data

import fs from 'node:fs';

import type { MelFilters } from './mel-filterbank.js';

/** "ggml" read as a little-endian u32. */
export const GGML_MAGIC = 0x67676d6c;

/** Tensor element types used here, with their ggml type ids. */
export const GGML_TYPE = { f32: 0, f16: 1 } as const;

/** Element type of a ggml tensor in this file format. */
export type GgmlType = keyof typeof GGML_TYPE;

/** Whisper hyper-parameters in file order. `ftype` 1 keeps the large matrices in f16. */
export interface WhisperHparams {
  nVocab: number;
  nAudioCtx: number;
  nAudioState: number;
  nAudioHead: number;
  nAudioLayer: number;
  nTextCtx: number;
  nTextState: number;
  nTextHead: number;
  nTextLayer: number;
  nMels: number;
  ftype: number;
}

const HPARAM_ORDER: (keyof WhisperHparams)[] = [
  'nVocab',
  'nAudioCtx',
  'nAudioState',
  'nAudioHead',
  'nAudioLayer',
  'nTextCtx',
  'nTextState',
  'nTextHead',
  'nTextLayer',
  'nMels',
  'ftype',
];

/** Encodes everything before the first tensor: magic, hparams, mel filters and vocabulary. */
export function encodeGgmlHeader(
  hparams: WhisperHparams,
  filters: MelFilters,
  tokens: readonly Uint8Array[],
): Buffer {
  const tokenBytes = tokens.reduce((sum, t) => sum + 4 + t.length, 0);
  const out = Buffer.alloc(4 * 12 + 8 + filters.data.length * 4 + 4 + tokenBytes);
  let offset = out.writeInt32LE(GGML_MAGIC | 0, 0);
  for (const key of HPARAM_ORDER) offset = out.writeInt32LE(hparams[key], offset);

  offset = out.writeInt32LE(filters.nMels, offset);
  offset = out.writeInt32LE(filters.nFreqs, offset);
  for (const value of filters.data) offset = out.writeFloatLE(value, offset);

  offset = out.writeInt32LE(tokens.length, offset);
  for (const token of tokens) {
    offset = out.writeInt32LE(token.length, offset);
    out.set(token, offset);
    offset += token.length;
  }
  return out;
}

/**
 * Encodes one tensor record header. `ne` is in ggml order, innermost dimension first, which is
 * the reverse of the row-major (PyTorch, CTranslate2) shape.
 */
export function encodeGgmlTensorHeader(
  name: string,
  ne: readonly number[],
  type: GgmlType,
): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  const out = Buffer.alloc(12 + 4 * ne.length + nameBytes.length);
  let offset = out.writeInt32LE(ne.length, 0);
  offset = out.writeInt32LE(nameBytes.length, offset);
  offset = out.writeInt32LE(GGML_TYPE[type], offset);
  for (const n of ne) offset = out.writeInt32LE(n, offset);
  nameBytes.copy(out, offset);
  return out;
}

/** Summary of a ggml whisper file, as {@link inspectGgmlFile} reads it. */
export interface GgmlFileSummary {
  hparams: WhisperHparams;
  nMelFilters: number;
  nFftBins: number;
  nTokens: number;
  tensors: { name: string; ne: number[]; type: GgmlType; offset: number }[];
}

/**
 * Walks a ggml whisper file without loading tensor data and checks that every record fits the
 * file exactly. Throws on a bad magic, an unknown tensor type or a truncated file.
 */
export function inspectGgmlFile(path: string): GgmlFileSummary {
  const fd = fs.openSync(path, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    let offset = 0;
    const read = (length: number): Buffer => {
      if (offset + length > size) throw new Error(`${path}: truncated at byte ${offset}`);
      const buf = Buffer.alloc(length);
      fs.readSync(fd, buf, 0, length, offset);
      offset += length;
      return buf;
    };
    const int = (): number => read(4).readInt32LE(0);

    if (read(4).readUInt32LE(0) !== GGML_MAGIC) throw new Error(`${path}: not a ggml file`);
    const values = HPARAM_ORDER.map(() => int());
    const hparams = Object.fromEntries(HPARAM_ORDER.map((k, i) => [k, values[i]])) as unknown;

    const nMelFilters = int();
    const nFftBins = int();
    offset += nMelFilters * nFftBins * 4;

    const nTokens = int();
    for (let i = 0; i < nTokens; i++) {
      const length = int();
      offset += length;
    }

    const tensors: GgmlFileSummary['tensors'] = [];
    while (offset < size) {
      const [nDims, nameLength, typeId] = [int(), int(), int()];
      const type = (Object.keys(GGML_TYPE) as GgmlType[]).find((k) => GGML_TYPE[k] === typeId);
      if (!type) throw new Error(`${path}: unsupported tensor type ${typeId} at byte ${offset}`);
      const ne = Array.from({ length: nDims }, () => int());
      const name = read(nameLength).toString('utf8');
      const elements = ne.reduce((a, b) => a * b, 1);
      tensors.push({ name, ne, type, offset });
      offset += elements * (type === 'f32' ? 4 : 2);
    }
    if (offset !== size) throw new Error(`${path}: last tensor runs past the end of the file`);

    return { hparams: hparams as WhisperHparams, nMelFilters, nFftBins, nTokens, tensors };
  } finally {
    fs.closeSync(fd);
  }
}
