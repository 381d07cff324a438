// GPT-2 byte-level BPE writes each token's bytes as printable characters: printable Latin-1
// bytes stand for themselves and the other 68 bytes (controls, space, soft hyphen …) are
// moved to U+0100 and up. Whisper's Hugging Face and CTranslate2 vocabularies use that
// spelling; whisper.cpp wants the raw bytes, as its converter gets from tiktoken.

function buildByteToChar(): Map<number, string> {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);

  const map = new Map<number, string>();
  for (const b of printable) map.set(b, String.fromCodePoint(b));
  let next = 0;
  for (let b = 0; b < 256; b++) {
    if (!map.has(b)) map.set(b, String.fromCodePoint(256 + next++));
  }
  return map;
}

const BYTE_TO_CHAR = buildByteToChar();
const CHAR_TO_BYTE = new Map([...BYTE_TO_CHAR].map(([byte, char]) => [char, byte]));

/** The character GPT-2's byte-level alphabet uses for one byte. */
export function byteToChar(byte: number): string {
  const char = BYTE_TO_CHAR.get(byte);
  if (char === undefined) throw new RangeError(`not a byte: ${byte}`);
  return char;
}

/** Decodes a byte-level BPE token (e.g. `Ġп` for " п") to the bytes it stands for. */
export function decodeByteLevelToken(token: string): Buffer {
  const bytes: number[] = [];
  for (const char of token) {
    const byte = CHAR_TO_BYTE.get(char);
    if (byte === undefined) {
      const code = char.codePointAt(0)!.toString(16).padStart(4, '0');
      throw new Error(`token ${JSON.stringify(token)} has U+${code}, outside the byte alphabet`);
    }
    bytes.push(byte);
  }
  return Buffer.from(bytes);
}
