import type { BookingData, ShopData } from '../domain/shop.js';
import { AnthropicAgent, createAnthropicClient } from '../engines/llm/anthropic-agent.js';
import { FallbackDialog } from '../engines/llm/fallback-dialog.js';
import type { ReplyGenerator } from '../engines/types.js';
import { ConfigError } from '../infra/config.js';
import type { Config } from '../infra/config.js';
import type { Logger } from '../infra/logger.js';

/**
 * Fails start-up when the configured model provider cannot work, before anything slow (the
 * Whisper model, the database) is opened.
 */
export function checkLlmConfig(config: Config): void {
  if (config.providers.llm === 'anthropic' && !config.anthropic.apiKey) {
    throw new ConfigError([
      'LLM_PROVIDER=anthropic needs ANTHROPIC_API_KEY: set the key, or unset LLM_PROVIDER ' +
        '(or set it to "fallback") to answer with the built-in dialog',
    ]);
  }
}

/** The reply generator the configuration asks for: Claude, or the built-in fallback dialog. */
export function createReplyGenerator(
  config: Config,
  shop: ShopData,
  logger: Logger,
  booking?: BookingData,
): ReplyGenerator {
  checkLlmConfig(config);
  const { apiKey, baseUrl } = config.anthropic;
  if (config.providers.llm === 'anthropic' && apiKey) {
    return new AnthropicAgent({
      client: createAnthropicClient({ apiKey, baseUrl }),
      shop,
      booking,
      logger: logger.child({ component: 'anthropic-agent' }),
    });
  }
  return new FallbackDialog({ shop });
}

/**
 * The model id a call runs on until routing decides, as priced in the pricing snapshot: the
 * complex model, since nothing yet shows the call is simple.
 */
export function callModelFor(llm: ReplyGenerator, config: Config): string {
  return llm.provider === 'anthropic' ? config.anthropic.complexModel : llm.provider;
}

/** The two model tiers a call is routed between; none for the fallback dialog. */
export function routedModelsFor(
  llm: ReplyGenerator,
  config: Config,
): { simple: string; complex: string } | undefined {
  return llm.provider === 'anthropic'
    ? { simple: config.anthropic.simpleModel, complex: config.anthropic.complexModel }
    : undefined;
}
