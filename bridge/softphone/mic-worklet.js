// Runs on the audio thread: turns the microphone's samples (at the context's rate, usually
// 48 kHz) into 20 ms frames of 8 kHz G.711 μ-law, 160 bytes each, posted to the page.

const TARGET_RATE_HZ = 8000;
const FRAME_SAMPLES = 160;

/** G.711 μ-law encoding of one 16-bit sample (ITU-T G.711, with the standard bias). */
function mulawEncode(sample) {
  const BIAS = 0x84;
  const CLIP = 32635;
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = Math.min(Math.abs(sample), CLIP) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent -= 1;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

class MicFrames extends AudioWorkletProcessor {
  constructor() {
    super();
    // Input samples per output sample; averaging over each step is a crude anti-alias filter,
    // enough for speech bound for an 8 kHz phone line.
    this.step = sampleRate / TARGET_RATE_HZ;
    this.position = 0;
    this.sum = 0;
    this.count = 0;
    this.frame = new Uint8Array(FRAME_SAMPLES);
    this.filled = 0;
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    for (let i = 0; i < channel.length; i++) {
      this.sum += channel[i];
      this.count += 1;
      this.position += 1;
      if (this.position >= this.step) {
        this.position -= this.step;
        const value = Math.max(-1, Math.min(1, this.sum / this.count));
        this.sum = 0;
        this.count = 0;
        this.frame[this.filled++] = mulawEncode(Math.round(value * 32767));
        if (this.filled === FRAME_SAMPLES) {
          this.port.postMessage(this.frame.slice());
          this.filled = 0;
        }
      }
    }
    return true;
  }
}

registerProcessor('mic-frames', MicFrames);
