// Converts a CTranslate2 Whisper model (faster-whisper format) into a whisper.cpp ggml file
// with f16 matrices, the layout of whisper.cpp's own ggml-*.bin models.
//
//   npx tsx scripts/convert-ct2-whisper.ts <ct2-model-dir> <output.bin>
//
// The model directory needs `model.bin` and `vocabulary.txt` (or `vocabulary.json`).

import { convertCt2WhisperDir } from '../engines/stt/ct2-whisper/convert.js';

const args = process.argv.slice(2);
const [modelDir, outputPath] = args;
if (!modelDir || !outputPath || args.length !== 2) {
  console.error('usage: npx tsx scripts/convert-ct2-whisper.ts <ct2-model-dir> <output.bin>');
  process.exit(2);
}

const started = performance.now();
const result = convertCt2WhisperDir({ modelDir, outputPath });
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const { nAudioLayer, nAudioState, nVocab } = result.hparams;
console.log(
  `wrote ${outputPath}: ${result.tensorCount} tensors, ${result.bytesWritten} bytes ` +
    `(${nAudioLayer} layers, width ${nAudioState}, ${nVocab} tokens) in ${seconds} s`,
);
