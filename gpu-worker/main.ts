import { WHISPER_TASK_QUEUE } from './task-queue.js';

// The GPU worker will serve Whisper transcriptions on its own task queue. Until it does, calls
// transcribe on the `calls` worker (whisper.cpp on the CPU), so starting it must not pretend.
console.error(
  `dzvin gpu-worker: Whisper on the GPU (task queue "${WHISPER_TASK_QUEUE}") is not wired yet. ` +
    'Calls are transcribed by the calls worker on the CPU; run `npm run worker` instead.',
);
process.exit(2);
