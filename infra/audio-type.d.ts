// audio-type (MIT) ships no type declarations; this is the one function dzvin uses.
declare module 'audio-type' {
  /** Guesses an audio container from its first bytes, e.g. 'wav', 'mp3', 'oga', 'opus'. */
  export default function audioType(bytes: Uint8Array): string | undefined;
}
