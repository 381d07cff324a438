import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import type { Ct2Dtype } from '../engines/stt/ct2-whisper/ct2-model.js';
import {
  CT2_DTYPES,
  Ct2FormatError,
  getVariable,
  readCt2Model,
  scalarValue,
  toFloat32,
} from '../engines/stt/ct2-whisper/ct2-model.js';
import { convertCt2WhisperDir, UnsupportedModelError } from '../engines/stt/ct2-whisper/convert.js';
import { floatToHalf, halfToFloat } from '../engines/stt/ct2-whisper/float16.js';
import {
  encodeGgmlHeader,
  encodeGgmlTensorHeader,
  inspectGgmlFile,
} from '../engines/stt/ct2-whisper/ggml-whisper.js';
import { byteToChar, decodeByteLevelToken } from '../engines/stt/ct2-whisper/gpt2-bytes.js';
import { hzToMel, melFilterbank, melToHz } from '../engines/stt/ct2-whisper/mel-filterbank.js';

interface TestVariable {
  name: string;
  shape: number[];
  dtype: Ct2Dtype;
  values: number[];
}

/** Serializes variables the way CTranslate2's ModelSpec._serialize does (binary version 6). */
function writeCt2(
  specName: string,
  variables: TestVariable[],
  aliases: [string, string][] = [],
): Buffer {
  const parts: Buffer[] = [];
  const u8 = (n: number) => parts.push(Buffer.from([n]));
  const u16 = (n: number) => parts.push(Buffer.from(new Uint16Array([n]).buffer));
  const u32 = (n: number) => parts.push(Buffer.from(new Uint32Array([n]).buffer));
  const str = (s: string) => {
    u16(Buffer.byteLength(s) + 1);
    parts.push(Buffer.from(`${s}\0`));
  };

  u32(6);
  str(specName);
  u32(3);
  u32(variables.length);
  for (const v of [...variables].sort((a, b) => a.name.localeCompare(b.name))) {
    str(v.name);
    u8(v.shape.length);
    v.shape.forEach(u32);
    u8(CT2_DTYPES.indexOf(v.dtype));
    const data = encodeValues(v.dtype, v.values);
    u32(data.length);
    parts.push(data);
  }
  u32(aliases.length);
  for (const [alias, target] of aliases) {
    str(alias);
    str(target);
  }
  return Buffer.concat(parts);
}

function encodeValues(dtype: Ct2Dtype, values: number[]): Buffer {
  switch (dtype) {
    case 'float32':
      return Buffer.from(new Float32Array(values).buffer);
    case 'float16':
      return Buffer.from(new Uint16Array(values.map(floatToHalf)).buffer);
    case 'int8':
      return Buffer.from(new Int8Array(values).buffer);
    case 'int16':
      return Buffer.from(new Int16Array(values).buffer);
    default:
      throw new Error(`test writer does not encode ${dtype}`);
  }
}

const tmpDirs: string[] = [];
function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dzvin-ct2-'));
  tmpDirs.push(dir);
  return dir;
}
afterAll(() => tmpDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

describe('CTranslate2 model reader', () => {
  const file = writeCt2(
    'WhisperSpec',
    [
      { name: 'encoder/num_heads', shape: [], dtype: 'int16', values: [8] },
      { name: 'decoder/pre_norm', shape: [], dtype: 'int8', values: [1] },
      { name: 'a/weight', shape: [2, 3], dtype: 'float16', values: [1, -2, 0.5, 3, 4, 65504] },
      { name: 'q/weight', shape: [2, 2], dtype: 'int8', values: [127, -64, 10, 20] },
      { name: 'q/weight_scale', shape: [2], dtype: 'float32', values: [127, 10] },
    ],
    [['b/weight', 'a/weight']],
  );

  it('reads the header, shapes, types and data of every variable', () => {
    const model = readCt2Model(file);

    expect(model.binaryVersion).toBe(6);
    expect(model.specName).toBe('WhisperSpec');
    expect(model.specRevision).toBe(3);
    expect([...model.variables.keys()]).toEqual([
      'a/weight',
      'decoder/pre_norm',
      'encoder/num_heads',
      'q/weight',
      'q/weight_scale',
    ]);
    expect(getVariable(model, 'a/weight')).toMatchObject({ shape: [2, 3], dtype: 'float16' });
    expect([...toFloat32(model, 'a/weight')]).toEqual([1, -2, 0.5, 3, 4, 65504]);
    expect(scalarValue(getVariable(model, 'encoder/num_heads'))).toBe(8);
    expect(scalarValue(getVariable(model, 'decoder/pre_norm'))).toBe(1);
  });

  it('resolves aliases to the stored variable', () => {
    const model = readCt2Model(file);

    expect(getVariable(model, 'b/weight')).toBe(getVariable(model, 'a/weight'));
  });

  it('dequantizes int8 weights with one scale per row', () => {
    const model = readCt2Model(file);

    expect([...toFloat32(model, 'q/weight')]).toEqual([1, Math.fround(-64 / 127), 1, 2]);
  });

  it('rejects a truncated file with the offset where it ends', () => {
    expect(() => readCt2Model(file.subarray(0, file.length - 5))).toThrow(Ct2FormatError);
  });

  it('rejects binary versions newer than it knows', () => {
    const newer = Buffer.from(file);
    newer.writeUInt32LE(7, 0);

    expect(() => readCt2Model(newer)).toThrow(/unsupported binary version 7/);
  });
});

describe('mel filterbank', () => {
  const filters = melFilterbank({ sampleRateHz: 16_000, nFft: 400, nMels: 80 });
  const at = (mel: number, bin: number) => filters.data[mel * filters.nFreqs + bin];

  it('has the 80 × 201 shape of whisper mel_80', () => {
    expect(filters.nMels).toBe(80);
    expect(filters.nFreqs).toBe(201);
    expect(filters.data.length).toBe(80 * 201);
  });

  it('matches the float32 values in whisper.cpp base model files bit for bit', () => {
    // Values read from the mel filter section of whisper.cpp's ggml-base.bin.
    expect(at(0, 1)).toBe(Math.fround(0.02486259490251541));
    expect(at(1, 1)).toBe(Math.fround(0.001990821911022067));
    expect(at(1, 2)).toBe(Math.fround(0.022871771827340126));
    expect(at(79, 196)).toBe(Math.fround(0.00179503601975739));
    expect(at(0, 0)).toBe(0);
    expect(at(40, 100)).toBe(0);
  });

  it('switches from linear to logarithmic at 1 kHz, like Slaney', () => {
    expect(hzToMel(1000)).toBeCloseTo(15, 12);
    expect(hzToMel(2000) - hzToMel(1000)).toBeCloseTo((27 * Math.log(2)) / Math.log(6.4), 12);
    expect(hzToMel(200 / 3)).toBeCloseTo(1, 12);
    expect(melToHz(hzToMel(4321))).toBeCloseTo(4321, 9);
  });
});

describe('byte-level token decoding', () => {
  it('maps the remapped characters back to space, newline and Cyrillic bytes', () => {
    expect(decodeByteLevelToken('Ġ')).toEqual(Buffer.from(' '));
    expect(decodeByteLevelToken('Ċ')).toEqual(Buffer.from('\n'));
    expect(decodeByteLevelToken('ĠÐ¿ÑĢÐ¸').toString('utf8')).toBe(' при');
    expect(decodeByteLevelToken('Hello')).toEqual(Buffer.from('Hello'));
  });

  it('keeps partial UTF-8 sequences as raw bytes', () => {
    expect([...decodeByteLevelToken('Ð')]).toEqual([0xd0]);
  });

  it('round-trips all 256 bytes', () => {
    const all = Array.from({ length: 256 }, (_, b) => byteToChar(b)).join('');

    expect([...decodeByteLevelToken(all)]).toEqual(Array.from({ length: 256 }, (_, b) => b));
  });

  it('rejects characters outside the byte alphabet', () => {
    expect(() => decodeByteLevelToken('п')).toThrow(/U\+043f/);
  });
});

describe('float16 encoding', () => {
  it('rounds to nearest even and saturates to infinity like numpy', () => {
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(-2)).toBe(0xc000);
    expect(floatToHalf(65504)).toBe(0x7bff);
    expect(floatToHalf(65520)).toBe(0x7c00);
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00);
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(floatToHalf(2 ** -24)).toBe(0x0001);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x3555)).toBeCloseTo(1 / 3, 3);
  });
});

describe('ggml header writer', () => {
  const hparams = {
    nVocab: 51865,
    nAudioCtx: 1500,
    nAudioState: 512,
    nAudioHead: 8,
    nAudioLayer: 6,
    nTextCtx: 448,
    nTextState: 512,
    nTextHead: 8,
    nTextLayer: 6,
    nMels: 80,
    ftype: 1,
  };

  it('writes magic, hparams, filters and length-prefixed raw tokens in order', () => {
    const filters = { nMels: 2, nFreqs: 3, data: new Float32Array([0, 0.5, 1, 1.5, 2, 2.5]) };
    const tokens = [Buffer.from('!'), Buffer.from([0x20, 0xd0]), Buffer.alloc(0)];

    const buf = encodeGgmlHeader(hparams, filters, tokens);

    expect(buf.subarray(0, 4).toString('latin1')).toBe('lmgg');
    const ints = Array.from({ length: 11 }, (_, i) => buf.readInt32LE(4 + i * 4));
    expect(ints).toEqual([51865, 1500, 512, 8, 6, 448, 512, 8, 6, 80, 1]);
    expect([buf.readInt32LE(48), buf.readInt32LE(52)]).toEqual([2, 3]);
    expect(buf.readFloatLE(56 + 5 * 4)).toBe(2.5);
    const vocab = buf.subarray(80);
    expect(vocab.readInt32LE(0)).toBe(3);
    expect([...vocab.subarray(4)]).toEqual([1, 0, 0, 0, 0x21, 2, 0, 0, 0, 0x20, 0xd0, 0, 0, 0, 0]);
  });

  it('writes tensor headers with dimensions innermost first', () => {
    const buf = encodeGgmlTensorHeader('encoder.conv1.weight', [3, 80, 512], 'f16');

    expect([0, 4, 8, 12, 16, 20].map((o) => buf.readInt32LE(o))).toEqual([3, 20, 1, 3, 80, 512]);
    expect(buf.subarray(24).toString()).toBe('encoder.conv1.weight');
  });
});

describe('CTranslate2 Whisper to ggml conversion', () => {
  const state = 4;
  const mels = 80;
  const tokens = ['!', 'Ġa', 'ĠÐ¿', '', '<|endoftext|>', '<|startoftranscript|>'];

  // Each row holds its own index, so a split at the wrong row shows in the output.
  const rowsOf = (rows: number, cols: number) =>
    Array.from({ length: rows * cols }, (_, i) => Math.floor(i / cols));
  const matrix = (name: string, rows: number, cols: number): TestVariable => ({
    name,
    shape: [rows, cols],
    dtype: 'float16',
    values: rowsOf(rows, cols),
  });
  const vector = (name: string, n: number, fill = 0.25): TestVariable => ({
    name,
    shape: [n],
    dtype: 'float16',
    values: Array.from({ length: n }, (_, i) => fill + i),
  });
  const linear = (prefix: string, rows: number, cols: number) => [
    matrix(`${prefix}/weight`, rows, cols),
    vector(`${prefix}/bias`, rows),
  ];
  const norm = (prefix: string) => [
    vector(`${prefix}/gamma`, state),
    vector(`${prefix}/beta`, state),
  ];
  const layer = (prefix: string, cross: boolean) => [
    ...norm(`${prefix}/self_attention/layer_norm`),
    ...linear(`${prefix}/self_attention/linear_0`, 3 * state, state),
    ...linear(`${prefix}/self_attention/linear_1`, state, state),
    ...(cross
      ? [
          ...norm(`${prefix}/attention/layer_norm`),
          ...linear(`${prefix}/attention/linear_0`, state, state),
          ...linear(`${prefix}/attention/linear_1`, 2 * state, state),
          ...linear(`${prefix}/attention/linear_2`, state, state),
        ]
      : []),
    ...norm(`${prefix}/ffn/layer_norm`),
    ...linear(`${prefix}/ffn/linear_0`, 4 * state, state),
    ...linear(`${prefix}/ffn/linear_1`, state, 4 * state),
  ];
  const flag = (name: string, value: number): TestVariable => ({
    name,
    shape: [],
    dtype: 'int8',
    values: [value],
  });
  const variables: TestVariable[] = [
    { name: 'encoder/num_heads', shape: [], dtype: 'int16', values: [2] },
    { name: 'decoder/num_heads', shape: [], dtype: 'int16', values: [2] },
    flag('decoder/pre_norm', 1),
    flag('decoder/activation', 3),
    flag('decoder/scale_embeddings', 0),
    {
      name: 'encoder/conv1/weight',
      shape: [state, mels, 3],
      dtype: 'float16',
      values: rowsOf(state, mels * 3),
    },
    vector('encoder/conv1/bias', state),
    {
      name: 'encoder/conv2/weight',
      shape: [state, state, 3],
      dtype: 'float16',
      values: rowsOf(state, state * 3),
    },
    vector('encoder/conv2/bias', state),
    matrix('encoder/position_encodings/encodings', 6, state),
    ...norm('encoder/layer_norm'),
    ...layer('encoder/layer_0', false),
    matrix('decoder/embeddings/weight', 10, state),
    matrix('decoder/position_encodings/encodings', 5, state),
    ...norm('decoder/layer_norm'),
    ...layer('decoder/layer_0', true),
  ];

  function convert(vars: TestVariable[]) {
    const dir = tmpDir();
    const ct2 = writeCt2('WhisperSpec', vars, [
      ['decoder/projection/weight', 'decoder/embeddings/weight'],
    ]);
    fs.writeFileSync(path.join(dir, 'model.bin'), ct2);
    fs.writeFileSync(path.join(dir, 'vocabulary.txt'), `${tokens.join('\n')}\n`);
    const outputPath = path.join(dir, 'ggml.bin');
    const result = convertCt2WhisperDir({ modelDir: dir, outputPath });
    return { result, outputPath, file: fs.readFileSync(outputPath) };
  }

  it('writes every tensor whisper.cpp loads, with its shape and type', () => {
    const { result, outputPath } = convert(variables);
    const summary = inspectGgmlFile(outputPath);

    expect(summary.hparams).toEqual({
      nVocab: 10,
      nAudioCtx: 6,
      nAudioState: 4,
      nAudioHead: 2,
      nAudioLayer: 1,
      nTextCtx: 5,
      nTextState: 4,
      nTextHead: 2,
      nTextLayer: 1,
      nMels: 80,
      ftype: 1,
    });
    expect(summary.nTokens).toBe(4);
    // whisper.cpp: 7 encoder + 15 per encoder layer + 4 decoder + 24 per decoder layer.
    expect(result.tensorCount).toBe(7 + 15 + 4 + 24);
    const byName = new Map(summary.tensors.map((t) => [t.name, t]));
    expect(byName.get('encoder.conv1.weight')).toMatchObject({ ne: [3, 80, 4], type: 'f16' });
    expect(byName.get('encoder.conv1.bias')).toMatchObject({ ne: [1, 4], type: 'f32' });
    expect(byName.get('encoder.positional_embedding')).toMatchObject({ ne: [4, 6], type: 'f32' });
    expect(byName.get('decoder.token_embedding.weight')).toMatchObject({
      ne: [4, 10],
      type: 'f16',
    });
    expect(byName.get('decoder.blocks.0.cross_attn.key.weight')).toMatchObject({ ne: [4, 4] });
    expect(byName.get('decoder.blocks.0.mlp.2.weight')).toMatchObject({ ne: [16, 4] });
    expect(byName.has('encoder.blocks.0.attn.key.bias')).toBe(false);
  });

  it('splits fused q/k/v and cross-attention k/v at the right rows', () => {
    const { outputPath, file } = convert(variables);
    const byName = new Map(inspectGgmlFile(outputPath).tensors.map((t) => [t.name, t]));
    const firstHalf = (name: string) => halfToFloat(file.readUInt16LE(byName.get(name)!.offset));
    const firstFloat = (name: string) => file.readFloatLE(byName.get(name)!.offset);

    expect(firstHalf('encoder.blocks.0.attn.query.weight')).toBe(0);
    expect(firstHalf('encoder.blocks.0.attn.key.weight')).toBe(4);
    expect(firstHalf('encoder.blocks.0.attn.value.weight')).toBe(8);
    expect(firstFloat('encoder.blocks.0.attn.value.bias')).toBe(8.25);
    expect(firstHalf('decoder.blocks.0.cross_attn.key.weight')).toBe(0);
    expect(firstHalf('decoder.blocks.0.cross_attn.value.weight')).toBe(4);
    expect(firstFloat('decoder.blocks.0.cross_attn.value.bias')).toBe(4.25);
  });

  it('writes the vocabulary as raw bytes before the tensors', () => {
    const { file } = convert(variables);
    const vocabStart = 48 + 8 + 80 * 201 * 4;

    expect(file.readInt32LE(vocabStart)).toBe(4);
    const third = file.subarray(vocabStart + 4 + 5 + 6);
    expect(third.readInt32LE(0)).toBe(3);
    expect(third.subarray(4, 7).toString('utf8')).toBe(' п');
  });

  it('dequantizes int8 weights, as in int8 faster-whisper models, into f16', () => {
    const name = 'decoder/layer_0/ffn/linear_1/weight';
    const quantized = variables.map((v): TestVariable =>
      v.name === name ? { ...v, dtype: 'int8', values: v.values.map((x) => x * 10) } : v,
    );
    quantized.push({ name: `${name}_scale`, shape: [4], dtype: 'float32', values: [10, 10, 5, 5] });

    const { outputPath, file } = convert(quantized);
    const tensor = inspectGgmlFile(outputPath).tensors.find(
      (t) => t.name === 'decoder.blocks.0.mlp.2.weight',
    )!;
    const row = (r: number) => halfToFloat(file.readUInt16LE(tensor.offset + r * 16 * 2));

    expect(tensor.type).toBe('f16');
    expect([row(0), row(1), row(2), row(3)]).toEqual([0, 1, 4, 6]);
  });

  it('refuses models with weights whisper.cpp has no place for', () => {
    const extra = [
      ...variables,
      matrix('encoder/layer_0/self_attention/linear_0/weight_low', 2, 2),
    ];

    expect(() => convert(extra)).toThrow(UnsupportedModelError);
  });
});
