/**
 * The tools the shop agent may call, and their execution against the shop. The model only ever
 * names an order number: who is asking comes from the call itself, so no phrase of the caller can
 * widen what the agent sees.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';

import type { Language } from '../../domain/language.js';
import type { BookingData, ShopData } from '../../domain/shop.js';

/** Products a search returns to the model; a reply names at most three of them anyway. */
const MAX_PRODUCTS_RETURNED = 3;

const searchProductsInput = z.strictObject({
  query: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .describe('What the caller is looking for, in their words: product kind, brand or model.'),
});

const orderStatusInput = z.strictObject({
  order_number: z
    .string()
    .regex(/^[0-9 №#-]{1,20}$/)
    .describe('The order number the caller named, digits only as heard.'),
});

const transferInput = z.strictObject({
  reason: z.string().max(200).optional().describe('Why a human is needed, in a few words.'),
});

const endCallInput = z.strictObject({});

const listSlotsInput = z.strictObject({
  city: z
    .string()
    .trim()
    .min(2)
    .max(60)
    .describe('The city in Ukrainian, as the shop names it, e.g. "Київ", "Львів", "Одеса".'),
});

const bookSlotInput = z.strictObject({
  slot_id: z
    .string()
    .regex(/^[a-z0-9-]{3,60}$/)
    .describe('A slot id from list_installation_slots.'),
  order_number: z
    .string()
    .regex(/^[0-9 №#-]{1,20}$/)
    .optional()
    .describe('The order the installation is for, when the caller named one.'),
});

/** Free installation slots offered in one answer: a caller can weigh a few, not a calendar. */
const MAX_SLOTS_RETURNED = 4;

const escalateInput = z.strictObject({
  reason: z.string().max(200).optional().describe('What makes the request hard, in a few words.'),
});

/** What the tools may read and whom they serve: fixed by the call, never by the model. */
export interface ToolContext {
  shop: ShopData;
  language: Language;
  /** Hash of the calling number; absent for hidden numbers. */
  callerHash: string | undefined;
  /** Installation visits; without it the booking tools answer that booking is unavailable. */
  booking?: BookingData;
  /** The call booking a slot; fixed by the call, never by the model. */
  callId: string;
}

/** One tool's answer to the model, and what it asks the call to do after the reply. */
export interface ToolOutcome {
  content: string;
  isError: boolean;
  transfer?: boolean;
  endCall?: boolean;
  /** The model asked for the request to go to the more capable model. */
  escalate?: boolean;
  /** The model called a tool that does not exist, or with arguments that break its schema. */
  fault?: 'unknown-tool' | 'invalid-arguments';
}

interface ToolSpec<Schema extends z.ZodType> {
  schema: Schema;
  description: string;
  run(input: z.output<Schema>, context: ToolContext): Promise<ToolOutcome>;
}

/** Ties each tool's `run` to its own schema's type. */
function tool<Schema extends z.ZodType>(spec: ToolSpec<Schema>): ToolSpec<Schema> {
  return spec;
}

const TOOL_SPECS = {
  search_products: tool({
    schema: searchProductsInput,
    description:
      "Searches the shop's catalogue. Returns up to three matching products with their name, " +
      'price in hryvnias and whether they are in stock.',
    run: searchProducts,
  }),
  order_status: tool({
    schema: orderStatusInput,
    description:
      'Looks up an order placed from the phone number the caller is calling from. Returns its ' +
      'state, total and expected delivery date, or found=false when no such order is tied to ' +
      'this number.',
    run: orderStatus,
  }),
  list_installation_slots: tool({
    schema: listSlotsInput,
    description:
      'Lists the earliest free installation visits in a city, with their ids and start times ' +
      '(ISO, Kyiv time zone). Offer one or two to the caller before booking.',
    run: listSlots,
  }),
  book_installation: tool({
    schema: bookSlotInput,
    description:
      'Books the installation visit the caller chose. Returns ok=true with the slot, or ' +
      'ok=false with the reason (taken by another caller, unknown, or already past); then offer ' +
      'another slot.',
    run: bookInstallation,
  }),
  transfer_to_operator: tool({
    schema: transferInput,
    description:
      'Hands the caller to a human operator after your reply. Use it together with a short line ' +
      'saying that you are connecting them.',
    run: () => Promise.resolve({ content: json({ ok: true }), isError: false, transfer: true }),
  }),
  end_call: tool({
    schema: endCallInput,
    description:
      'Ends the call after your reply. Use it together with a short goodbye, when the caller is ' +
      'done.',
    run: () => Promise.resolve({ content: json({ ok: true }), isError: false, endCall: true }),
  }),
};

/** The tool a cheap model calls to hand a turn to the complex model. */
export const ESCALATE_TOOL = 'escalate_to_expert';

/**
 * Offered only to the cheap model: it hands the turn to the complex model instead of guessing.
 * Kept apart from TOOL_SPECS so the complex model never sees it.
 */
const ESCALATE_SPEC = tool({
  schema: escalateInput,
  description:
    'Hands this request to a more capable colleague. Use it instead of answering when the ' +
    'caller asks for a comparison, advice, placing an order, installation, or anything you are ' +
    'not sure how to handle with the other tools. Say nothing else in that case.',
  run: () => Promise.resolve({ content: json({ ok: true }), isError: false, escalate: true }),
});

/** Names of the agent's tools. */
export type ShopToolName = keyof typeof TOOL_SPECS;

/**
 * Tool definitions as sent to the Messages API, generated once from the zod schemas so that the
 * schema the model sees is the one its arguments are checked against. Generated in a fixed order
 * and never changed during a process: they are part of the cached prompt prefix.
 */
export const SHOP_TOOLS: readonly Anthropic.Messages.Tool[] = Object.entries(TOOL_SPECS).map(
  ([name, spec]) => toolDefinition(name, spec),
);

/** The shop tools plus `escalate_to_expert`, for a model that may escalate. */
export const SHOP_TOOLS_WITH_ESCALATION: readonly Anthropic.Messages.Tool[] = [
  ...SHOP_TOOLS,
  toolDefinition(ESCALATE_TOOL, ESCALATE_SPEC),
];

function toolDefinition(name: string, spec: ToolSpec<z.ZodType>): Anthropic.Messages.Tool {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(spec.schema, { io: 'input' });
  return {
    name,
    description: spec.description,
    input_schema: schema as Anthropic.Messages.Tool.InputSchema,
  };
}

/**
 * Runs one tool call of the model. Never throws: a bad argument or a failing shop becomes an
 * error result the model can apologize for, so a tool fault never fails the caller's turn.
 */
export async function runShopTool(
  name: string,
  rawInput: unknown,
  context: ToolContext,
  options: { canEscalate?: boolean } = {},
): Promise<ToolOutcome> {
  const spec: ToolSpec<z.ZodType> | undefined = isToolName(name)
    ? TOOL_SPECS[name]
    : name === ESCALATE_TOOL && options.canEscalate
      ? ESCALATE_SPEC
      : undefined;
  if (!spec) return { ...failure(`unknown tool "${name}"`), fault: 'unknown-tool' };
  const parsed = spec.schema.safeParse(rawInput);
  if (!parsed.success) {
    return {
      ...failure(`invalid arguments: ${z.prettifyError(parsed.error).replace(/\s+/g, ' ')}`),
      fault: 'invalid-arguments',
    };
  }

  try {
    return await spec.run(parsed.data, context);
  } catch {
    // The cause stays out of the model's context: it may carry database details.
    return failure('the shop system is unavailable right now');
  }
}

async function searchProducts(
  input: z.infer<typeof searchProductsInput>,
  context: ToolContext,
): Promise<ToolOutcome> {
  const products = await context.shop.searchProducts(input.query, MAX_PRODUCTS_RETURNED);
  return {
    content: json({
      products: products.slice(0, MAX_PRODUCTS_RETURNED).map((product) => ({
        name: product.name[context.language],
        price_uah: product.priceUah,
        in_stock: product.inStock > 0,
      })),
    }),
    isError: false,
  };
}

async function orderStatus(
  input: z.infer<typeof orderStatusInput>,
  context: ToolContext,
): Promise<ToolOutcome> {
  if (context.callerHash === undefined) {
    return {
      content: json({ found: false, reason: 'the caller hides their number' }),
      isError: false,
    };
  }

  const order = await context.shop.findOrder(input.order_number, context.callerHash);
  if (order === undefined) return { content: json({ found: false }), isError: false };
  return {
    content: json({
      found: true,
      order_number: order.orderNumber,
      state: order.state,
      total_uah: order.totalUah,
      expected_delivery: order.expectedDelivery ?? null,
    }),
    isError: false,
  };
}

async function listSlots(
  input: z.infer<typeof listSlotsInput>,
  context: ToolContext,
): Promise<ToolOutcome> {
  if (!context.booking) return failure('installation booking is not available here');
  const slots = await context.booking.listFreeSlots({
    city: input.city,
    limit: MAX_SLOTS_RETURNED,
  });
  return {
    content: json({
      slots: slots.map((slot) => ({
        slot_id: slot.slotId,
        starts_at: slot.startsAt,
        city: slot.city,
      })),
    }),
    isError: false,
  };
}

async function bookInstallation(
  input: z.infer<typeof bookSlotInput>,
  context: ToolContext,
): Promise<ToolOutcome> {
  if (!context.booking) return failure('installation booking is not available here');
  const result = await context.booking.bookSlot({
    slotId: input.slot_id,
    callId: context.callId,
    ...(input.order_number ? { orderNumber: input.order_number.replace(/\D/g, '') } : {}),
  });
  return {
    content: json(
      result.ok
        ? { ok: true, slot_id: result.slot.slotId, starts_at: result.slot.startsAt }
        : { ok: false, reason: result.reason },
    ),
    isError: false,
  };
}

function isToolName(name: string): name is ShopToolName {
  return Object.hasOwn(TOOL_SPECS, name);
}

function failure(message: string): ToolOutcome {
  return { content: json({ error: message }), isError: true };
}

function json(value: unknown): string {
  return JSON.stringify(value);
}
