// @ts-check
/**
 * The eSpeak NG runner: a separate Node process and the only dzvin file that loads the
 * `espeak-ng` package (GPL-3.0-or-later, an optional dependency). dzvin's own processes are
 * Apache-2.0 and never load it; they start this script with `child_process.fork` and exchange
 * plain messages with it over the IPC channel, as with any outside program.
 *
 * Messages in:  { type: 'synthesize', id, voice, text, rateWpm? }
 * Messages out: { type: 'ready', startupMs } once, then { type: 'result', id, wav } or
 *               { type: 'failed', id, message } per request;
 *               { type: 'unavailable', message } instead of 'ready' when the package is missing.
 *
 * Plain JavaScript on purpose: it runs under bare `node` with no TypeScript loader, which keeps
 * the start-up short and keeps tsx and vitest hooks out of this process.
 */
import { readFile } from 'node:fs/promises';

const packageName = process.argv[2] ?? 'espeak-ng';
const startedAt = performance.now();

/** @param {object} message */
function send(message) {
  if (process.send) process.send(message);
}

/** @type {{ factory: (options: object) => Promise<any>; wasm: WebAssembly.Module } | undefined} */
let engine;
try {
  const entry = import.meta.resolve(packageName);
  const { default: factory } = await import(entry);
  // Compiling the 18 MB module once and instantiating it per request saves the compile on every
  // phrase; each request still gets a fresh instance, so no state leaks from one text to the next.
  const wasm = await WebAssembly.compile(await readFile(new URL('espeak-ng.wasm', entry)));
  engine = { factory, wasm };
} catch (error) {
  send({ type: 'unavailable', message: error instanceof Error ? error.message : String(error) });
  process.disconnect?.();
}

if (engine) {
  const ready = engine;
  send({ type: 'ready', startupMs: Math.round(performance.now() - startedAt) });

  // One request at a time: each instance runs eSpeak's main() to completion synchronously.
  let queue = Promise.resolve();
  process.on('message', (/** @type {any} */ request) => {
    if (request?.type !== 'synthesize') return;
    queue = queue.then(() => synthesize(ready, request));
  });
  process.on('disconnect', () => process.exit(0));
}

/**
 * @param {{ factory: (options: object) => Promise<any>; wasm: WebAssembly.Module }} ready
 * @param {{ id: number; voice: string; text: string; rateWpm?: number }} request
 */
async function synthesize(ready, request) {
  /** @type {string[]} */
  const stderr = [];
  let exitStatus = 0;
  // The text goes through a file, never argv, so that text starting with '-' is not an option.
  const args = ['-v', request.voice, '-b', '1', '-f', '/in.txt', '-w', '/out.wav'];
  if (request.rateWpm !== undefined) args.push('-s', String(request.rateWpm));
  try {
    const instance = await ready.factory({
      arguments: args,
      preRun: [(/** @type {any} */ module) => module.FS.writeFile('/in.txt', request.text)],
      instantiateWasm(/** @type {WebAssembly.Imports} */ imports, /** @type {Function} */ done) {
        void WebAssembly.instantiate(ready.wasm, imports).then((inst) => done(inst, ready.wasm));
        return {};
      },
      quit(/** @type {number} */ status, /** @type {unknown} */ toThrow) {
        exitStatus = status;
        throw toThrow;
      },
      print: () => undefined,
      printErr: (/** @type {string} */ line) => stderr.push(line),
    });
    if (exitStatus !== 0)
      throw new Error(stderr[0] ?? `espeak-ng exited with status ${exitStatus}`);
    const wav = instance.FS.readFile('/out.wav');
    send({ type: 'result', id: request.id, wav });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    send({ type: 'failed', id: request.id, message: stderr[0] ?? message });
  }
}
