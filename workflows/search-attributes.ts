import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes operators filter calls by in the Temporal Web UI. */
export const SttProvider = defineSearchAttributeKey('SttProvider', SearchAttributeType.KEYWORD);
export const LlmModel = defineSearchAttributeKey('LlmModel', SearchAttributeType.KEYWORD);
export const CallLanguage = defineSearchAttributeKey('CallLanguage', SearchAttributeType.KEYWORD);
export const TotalCostUsd = defineSearchAttributeKey('TotalCostUsd', SearchAttributeType.DOUBLE);
export const CallTurns = defineSearchAttributeKey('CallTurns', SearchAttributeType.INT);
export const SttArm = defineSearchAttributeKey('SttArm', SearchAttributeType.KEYWORD);
export const CallScenario = defineSearchAttributeKey('CallScenario', SearchAttributeType.KEYWORD);

export const CALL_SEARCH_ATTRIBUTES = [
  SttProvider,
  LlmModel,
  CallLanguage,
  TotalCostUsd,
  CallTurns,
  SttArm,
  CallScenario,
];
