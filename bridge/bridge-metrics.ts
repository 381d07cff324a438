import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/**
 * Buckets for reply latency, in seconds. Providers dominate a real turn (1-3 s); the bridge and
 * Temporal alone should stay near 0.05 s, so the low end is finely cut too.
 */
const LATENCY_BUCKETS = [0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10];

/** The telephony bridge's metrics, registered on the process's registry. */
export function createBridgeMetrics(registry: Registry) {
  const registers = [registry];
  return {
    callsActive: new Gauge({
      name: 'dzvin_bridge_calls_active',
      help: 'Media streams with a started call',
      registers,
    }),
    connections: new Counter({
      name: 'dzvin_bridge_connections_total',
      help: 'Media stream WebSocket connections accepted',
      registers,
    }),
    callsEnded: new Counter({
      name: 'dzvin_bridge_calls_ended_total',
      help: 'Calls ended by the bridge, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    turns: new Counter({
      name: 'dzvin_bridge_turns_total',
      help: 'Caller utterances sent as turns, by outcome (played, failed, superseded, dropped)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    replyLatency: new Histogram({
      name: 'dzvin_bridge_reply_latency_seconds',
      help: 'End of caller speech (endpoint) to the first reply audio frame sent',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    addedLatency: new Histogram({
      name: 'dzvin_bridge_added_latency_seconds',
      help: 'Reply latency less the STT, LLM and TTS activity times: bridge, blob store, Temporal',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    bargeIns: new Counter({
      name: 'dzvin_bridge_barge_ins_total',
      help: 'Replies stopped because the caller spoke over them',
      registers,
    }),
    dtmf: new Counter({
      name: 'dzvin_bridge_dtmf_total',
      help: 'Keypad presses forwarded to call workflows',
      registers,
    }),
    prompts: new Counter({
      name: 'dzvin_bridge_prompts_total',
      help: 'Pre-synthesized prompts played, by prompt',
      labelNames: ['prompt'] as const,
      registers,
    }),
    protocolErrors: new Counter({
      name: 'dzvin_bridge_protocol_errors_total',
      help: 'Inbound messages refused, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    framesDropped: new Counter({
      name: 'dzvin_bridge_frames_dropped_total',
      help: 'Inbound media frames ignored, by reason (flood, before-start)',
      labelNames: ['reason'] as const,
      registers,
    }),
    socketsLost: new Counter({
      name: 'dzvin_bridge_sockets_lost_total',
      help: 'Media streams that closed without a stop event',
      registers,
    }),
    workflowErrors: new Counter({
      name: 'dzvin_bridge_workflow_errors_total',
      help: 'Temporal calls from the bridge that failed, by operation',
      labelNames: ['operation'] as const,
      registers,
    }),
  };
}

export type BridgeMetrics = ReturnType<typeof createBridgeMetrics>;
