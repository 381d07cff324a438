declare module '@echogarden/fvad-wasm' {
  /** The Emscripten factory of libfvad; resolves to the module's exports. */
  const loadFvad: (options?: object) => Promise<unknown>;
  export default loadFvad;
}
