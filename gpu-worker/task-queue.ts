/** Task queue served by GPU workers that keep a Whisper model loaded. */
export const WHISPER_TASK_QUEUE = 'stt-whisper';
