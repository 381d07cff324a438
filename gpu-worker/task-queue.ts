/** Task queue served by GPU workers that keep a Whisper model loaded. */
export { WHISPER_TASK_QUEUE } from '../workflows/call-messages.js';
