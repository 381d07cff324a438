import type { Language } from '../domain/language.js';
import type { EndpointerSettings } from './endpointer.js';
import type { VadMode } from './vad.js';

/** How the bridge takes turns and runs calls; read from BRIDGE_* variables (infra/config.ts). */
export interface BridgeSettings extends EndpointerSettings {
  vadMode: VadMode;
  /** Caller silence after which the bridge asks whether they are still there, then hangs up. */
  silenceTimeoutMs: number;
  /** A call is ended politely once it lasts this long. */
  maxCallMs: number;
  /** How long a dropped stream may take to reconnect before its call is hung up. */
  reconnectGraceMs: number;
  /** The call's language when the stream's start event names none. */
  defaultLanguage: Language;
}
