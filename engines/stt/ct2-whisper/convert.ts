// CTranslate2 Whisper (WhisperSpec, as faster-whisper models are) → whisper.cpp ggml.
//
// Names and fusions come from CTranslate2's specs/whisper_spec.py, specs/transformer_spec.py
// and converters/transformers.py (loader for Hugging Face Whisper): self-attention q, k and v
// are fused row-wise in `self_attention/linear_0`, cross-attention k and v in
// `attention/linear_1`, layer norms are `gamma`/`beta`, and the output projection is an alias
// of the token embedding. The ggml side follows `whisper_model_load` in whisper.cpp: names
// from the original PyTorch checkpoint, biases, norms and position embeddings in f32, the
// matrices (conv kernels included) in f16.

import fs from 'node:fs';
import path from 'node:path';

import type { Ct2Model, Ct2Variable } from './ct2-model.js';
import { findVariable, getVariable, readCt2Model, scalarValue, toFloat32 } from './ct2-model.js';
import { encodeFloat16 } from './float16.js';
import type { GgmlType, WhisperHparams } from './ggml-whisper.js';
import { encodeGgmlHeader, encodeGgmlTensorHeader } from './ggml-whisper.js';
import { decodeByteLevelToken } from './gpt2-bytes.js';
import { melFilterbank } from './mel-filterbank.js';

/** Whisper's audio front end: 16 kHz audio, 25 ms (400-sample) FFT windows. */
const WHISPER_SAMPLE_RATE_HZ = 16_000;
const WHISPER_N_FFT = 400;

/** CTranslate2's `Activation.GELU`, the only activation Whisper uses. */
const CT2_ACTIVATION_GELU = 3;

/** A tensor ready to be written: ggml name, row-major shape, element type and bytes. */
export interface GgmlTensor {
  name: string;
  shape: number[];
  type: GgmlType;
  data: Buffer;
}

/** What a conversion produced. */
export interface ConversionResult {
  hparams: WhisperHparams;
  tensorCount: number;
  bytesWritten: number;
}

/** Thrown when the CTranslate2 model is not a Whisper model this converter can map exactly. */
export class UnsupportedModelError extends Error {
  override name = 'UnsupportedModelError';
}

function countLayers(model: Ct2Model, prefix: string): number {
  let count = 0;
  while (model.variables.has(`${prefix}/layer_${count}/ffn/linear_0/weight`)) count++;
  return count;
}

/** Reads the hyper-parameters of a CTranslate2 Whisper model. */
export function whisperHparams(model: Ct2Model): WhisperHparams {
  const embeddings = getVariable(model, 'decoder/embeddings/weight');
  const encoderPositions = getVariable(model, 'encoder/position_encodings/encodings');
  const decoderPositions = getVariable(model, 'decoder/position_encodings/encodings');
  const conv1 = getVariable(model, 'encoder/conv1/weight');
  return {
    nVocab: embeddings.shape[0]!,
    nAudioCtx: encoderPositions.shape[0]!,
    nAudioState: encoderPositions.shape[1]!,
    nAudioHead: scalarValue(getVariable(model, 'encoder/num_heads')),
    nAudioLayer: countLayers(model, 'encoder'),
    nTextCtx: decoderPositions.shape[0]!,
    nTextState: embeddings.shape[1]!,
    nTextHead: scalarValue(getVariable(model, 'decoder/num_heads')),
    nTextLayer: countLayers(model, 'decoder'),
    nMels: conv1.shape[1]!,
    ftype: 1,
  };
}

function checkSupported(model: Ct2Model): void {
  if (model.specName !== 'WhisperSpec') {
    throw new UnsupportedModelError(
      `expected a WhisperSpec model, got ${model.specName || 'none'}`,
    );
  }
  // Flags that would change the computation whisper.cpp does; Whisper sets them all this way.
  const expected: [string, number][] = [
    ['decoder/pre_norm', 1],
    ['decoder/activation', CT2_ACTIVATION_GELU],
    ['decoder/scale_embeddings', 0],
    ['decoder/alibi', 0],
    ['decoder/start_from_zero_embedding', 0],
  ];
  for (const [name, value] of expected) {
    const variable = findVariable(model, name);
    if (variable && scalarValue(variable) !== value) {
      throw new UnsupportedModelError(`${name} is ${scalarValue(variable)}, expected ${value}`);
    }
  }
}

/** A CTranslate2 variable, or rows [start, end) of one (fused projections are split by rows). */
interface Source {
  variable: Ct2Variable;
  rows?: [number, number];
}

function sourceShape({ variable, rows }: Source): number[] {
  return rows ? [rows[1] - rows[0], ...variable.shape.slice(1)] : variable.shape;
}

/**
 * Collects the tensors of the ggml file from a CTranslate2 Whisper model, in the order of
 * OpenAI's PyTorch checkpoint (whisper.cpp looks tensors up by name; the order only keeps
 * files comparable with ones made by its own converter). Every variable of the model must
 * be used or be a known flag, so a model with extra weights (e.g. low-rank "lite" Whisper)
 * fails instead of converting into something that transcribes wrongly.
 */
export function ggmlTensors(model: Ct2Model): GgmlTensor[] {
  checkSupported(model);
  const hp = whisperHparams(model);
  const used = new Set<string>();
  const tensors: GgmlTensor[] = [];
  const floats = new Map<string, Float32Array>();

  const resolve = (ct2Name: string): Ct2Variable => {
    const variable = getVariable(model, ct2Name);
    used.add(variable.name);
    used.add(`${variable.name}_scale`);
    return variable;
  };

  const emit = (name: string, from: Ct2Variable | Source, type: GgmlType, shape?: number[]) => {
    const source = 'variable' in from ? from : { variable: from };
    const data = convertData(model, source, type, floats);
    tensors.push({ name, shape: shape ?? sourceShape(source), type, data });
  };
  // Only f16 matrices: whisper.cpp accepts an all-f32 file (ftype 0) at load time, but its CPU
  // im2col asserts an f16 conv kernel and aborts on the first encode (checked with whisper-cli).
  const matrixType: GgmlType = 'f16';
  // Small tensors stay f32: whisper.cpp allocates biases, norms and position embeddings as f32.
  const f32: GgmlType = 'f32';

  const linear = (ggmlPrefix: string, ct2Prefix: string): void => {
    emit(`${ggmlPrefix}.weight`, resolve(`${ct2Prefix}/weight`), matrixType);
    emit(`${ggmlPrefix}.bias`, resolve(`${ct2Prefix}/bias`), f32);
  };
  const layerNorm = (ggmlPrefix: string, ct2Prefix: string): void => {
    emit(`${ggmlPrefix}.weight`, resolve(`${ct2Prefix}/gamma`), f32);
    emit(`${ggmlPrefix}.bias`, resolve(`${ct2Prefix}/beta`), f32);
  };
  // Whisper's key projections have no bias, so the Hugging Face → CTranslate2 fusion filled
  // zeros there. Dropping a key bias is exact in any case: it adds the same q·b to every
  // logit of a query, which softmax cancels.
  const query = (ggmlPrefix: string, weight: Ct2Variable, bias: Ct2Variable): void => {
    const n = weight.shape[1]!;
    emit(`${ggmlPrefix}.query.weight`, { variable: weight, rows: [0, n] }, matrixType);
    emit(`${ggmlPrefix}.query.bias`, { variable: bias, rows: [0, n] }, f32);
  };
  const keyValue = (ggmlPrefix: string, weight: Ct2Variable, bias: Ct2Variable, at: number) => {
    const n = weight.shape[1]!;
    emit(`${ggmlPrefix}.key.weight`, { variable: weight, rows: [at, at + n] }, matrixType);
    emit(
      `${ggmlPrefix}.value.weight`,
      { variable: weight, rows: [at + n, at + 2 * n] },
      matrixType,
    );
    emit(`${ggmlPrefix}.value.bias`, { variable: bias, rows: [at + n, at + 2 * n] }, f32);
  };
  const mlp = (ggmlPrefix: string, ct2Prefix: string): void => {
    linear(`${ggmlPrefix}.mlp.0`, `${ct2Prefix}/ffn/linear_0`);
    linear(`${ggmlPrefix}.mlp.2`, `${ct2Prefix}/ffn/linear_1`);
    layerNorm(`${ggmlPrefix}.mlp_ln`, `${ct2Prefix}/ffn/layer_norm`);
  };
  const selfAttention = (ggmlPrefix: string, ct2Prefix: string): void => {
    const fused = `${ct2Prefix}/self_attention/linear_0`;
    const weight = resolve(`${fused}/weight`);
    const bias = resolve(`${fused}/bias`);
    const n = weight.shape[1]!;
    expectRows(weight, 3 * n);
    query(`${ggmlPrefix}.attn`, weight, bias);
    keyValue(`${ggmlPrefix}.attn`, weight, bias, n);
    linear(`${ggmlPrefix}.attn.out`, `${ct2Prefix}/self_attention/linear_1`);
    layerNorm(`${ggmlPrefix}.attn_ln`, `${ct2Prefix}/self_attention/layer_norm`);
  };

  // Encoder.
  emit('encoder.positional_embedding', resolve('encoder/position_encodings/encodings'), f32);
  for (const conv of ['conv1', 'conv2']) {
    emit(`encoder.${conv}.weight`, resolve(`encoder/${conv}/weight`), matrixType);
    // whisper.cpp declares conv biases as [n_state, 1] so they broadcast over time.
    const bias = resolve(`encoder/${conv}/bias`);
    emit(`encoder.${conv}.bias`, bias, f32, [bias.shape[0]!, 1]);
  }
  for (let i = 0; i < hp.nAudioLayer; i++) {
    selfAttention(`encoder.blocks.${i}`, `encoder/layer_${i}`);
    mlp(`encoder.blocks.${i}`, `encoder/layer_${i}`);
  }
  layerNorm('encoder.ln_post', 'encoder/layer_norm');

  // Decoder.
  emit('decoder.positional_embedding', resolve('decoder/position_encodings/encodings'), f32);
  const embedding = resolve('decoder/embeddings/weight');
  emit('decoder.token_embedding.weight', embedding, matrixType);
  checkTiedProjection(model, embedding);
  used.add('decoder/projection/weight');
  used.add('decoder/projection/bias');
  for (let i = 0; i < hp.nTextLayer; i++) {
    const block = `decoder.blocks.${i}`;
    const layer = `decoder/layer_${i}`;
    selfAttention(block, layer);

    linear(`${block}.cross_attn.query`, `${layer}/attention/linear_0`);
    const kvWeight = resolve(`${layer}/attention/linear_1/weight`);
    const kvBias = resolve(`${layer}/attention/linear_1/bias`);
    expectRows(kvWeight, 2 * hp.nTextState);
    keyValue(`${block}.cross_attn`, kvWeight, kvBias, 0);
    linear(`${block}.cross_attn.out`, `${layer}/attention/linear_2`);
    layerNorm(`${block}.cross_attn_ln`, `${layer}/attention/layer_norm`);

    mlp(block, layer);
  }
  layerNorm('decoder.ln', 'decoder/layer_norm');

  const leftover = [...model.variables.values()].filter(
    (v) => !used.has(v.name) && v.shape.length > 0 && !v.name.startsWith('decoder/alignment_'),
  );
  if (leftover.length > 0) {
    const names = leftover.map((v) => v.name).join(', ');
    throw new UnsupportedModelError(`variables with no whisper.cpp counterpart: ${names}`);
  }
  return tensors;
}

// whisper.cpp computes logits with the token embedding, as OpenAI's Whisper does.
function checkTiedProjection(model: Ct2Model, embedding: Ct2Variable): void {
  const projection = findVariable(model, 'decoder/projection/weight');
  if (projection && projection !== embedding && !projection.data.equals(embedding.data)) {
    throw new UnsupportedModelError('output projection differs from the token embedding');
  }
  const bias = findVariable(model, 'decoder/projection/bias');
  if (bias && toFloat32(model, bias.name).some((v) => v !== 0)) {
    throw new UnsupportedModelError('output projection has a bias whisper.cpp cannot apply');
  }
}

function expectRows(variable: Ct2Variable, rows: number): void {
  if (variable.shape[0] !== rows) {
    throw new UnsupportedModelError(`${variable.name} has ${variable.shape[0]} rows, not ${rows}`);
  }
}

function convertData(
  model: Ct2Model,
  { variable, rows }: Source,
  type: GgmlType,
  floats: Map<string, Float32Array>,
): Buffer {
  const rowCount = variable.shape[0] ?? 1;
  const [start, end] = rows ?? [0, rowCount];

  // Same-type copies keep the original bits; the slice is a view into the file buffer.
  const sameType =
    (type === 'f16' && variable.dtype === 'float16') ||
    (type === 'f32' && variable.dtype === 'float32');
  if (sameType) {
    const rowBytes = variable.data.byteLength / rowCount;
    return variable.data.subarray(start * rowBytes, end * rowBytes);
  }

  // Quantized weights dequantize per whole tensor (int8 scales are per row), so the float
  // values of a fused tensor are computed once and sliced.
  let values = floats.get(variable.name);
  if (!values) {
    values = toFloat32(model, variable.name);
    floats.set(variable.name, values);
  }
  const rowLength = values.length / rowCount;
  const slice = values.subarray(start * rowLength, end * rowLength);
  if (type === 'f16') return encodeFloat16(slice);
  return Buffer.from(new Float32Array(slice).buffer);
}

/**
 * Reads the CTranslate2 vocabulary (`vocabulary.json` from CTranslate2 3.x on, else
 * `vocabulary.txt`) and returns the raw bytes of the ordinary tokens, i.e. those before
 * `<|endoftext|>`. whisper.cpp derives the special and timestamp tokens from n_vocab itself,
 * and its own converter writes the same 50257 (multilingual) entries.
 */
export function readWhisperVocabulary(modelDir: string): Buffer[] {
  const jsonPath = path.join(modelDir, 'vocabulary.json');
  const tokens: string[] = fs.existsSync(jsonPath)
    ? (JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as string[])
    : fs.readFileSync(path.join(modelDir, 'vocabulary.txt'), 'utf8').split('\n');
  if (tokens.at(-1) === '') tokens.pop();

  const end = tokens.indexOf('<|endoftext|>');
  if (end === -1) throw new UnsupportedModelError('vocabulary has no <|endoftext|> token');
  return tokens.slice(0, end).map(decodeByteLevelToken);
}

/** Options of {@link convertCt2WhisperDir}. */
export interface ConvertOptions {
  /** Directory holding the CTranslate2 `model.bin` and vocabulary. */
  modelDir: string;
  /** Path of the ggml file to write; written to a temporary name and renamed into place. */
  outputPath: string;
}

/** Converts a CTranslate2 Whisper model directory into a whisper.cpp ggml file. */
export function convertCt2WhisperDir(options: ConvertOptions): ConversionResult {
  const model = readCt2Model(fs.readFileSync(path.join(options.modelDir, 'model.bin')));
  const tensors = ggmlTensors(model);
  const hparams = whisperHparams(model);
  const tokens = readWhisperVocabulary(options.modelDir);
  if (tokens.length > hparams.nVocab) {
    throw new UnsupportedModelError(`${tokens.length} tokens exceed n_vocab ${hparams.nVocab}`);
  }
  const filters = melFilterbank({
    sampleRateHz: WHISPER_SAMPLE_RATE_HZ,
    nFft: WHISPER_N_FFT,
    nMels: hparams.nMels,
  });

  const tmpPath = `${options.outputPath}.tmp-${process.pid}`;
  let bytesWritten = 0;
  const fd = fs.openSync(tmpPath, 'w');
  try {
    const write = (buf: Buffer): void => {
      fs.writeSync(fd, buf);
      bytesWritten += buf.length;
    };
    write(encodeGgmlHeader(hparams, filters, tokens));
    for (const tensor of tensors) {
      write(encodeGgmlTensorHeader(tensor.name, [...tensor.shape].reverse(), tensor.type));
      write(tensor.data);
    }
    fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(tmpPath, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  fs.renameSync(tmpPath, options.outputPath);
  return { hparams, tensorCount: tensors.length, bytesWritten };
}
