/**
 * Everything the fallback dialog says, per language, and how it speaks numbers and dates. Each
 * reply names a word only one of the two languages has (і, є; ы, э, ё), so that the language
 * of a reply can be told from its text alone.
 */
import type { Language } from '../../domain/language.js';
import type { OrderState } from '../../domain/shop.js';

/** Questions a reply may end with; the caller's "yes" or "no" answers the last one asked. */
export type Question = 'howCanIHelp' | 'anythingElse' | 'offerOperator' | 'askOrderNumber';

export interface DialogPhrases {
  greeting: string;
  questions: Record<Question, string>;
  listening: string;
  youAreWelcome: string;
  okay: string;
  unclear: string;
  didNotCatch: string;
  goodbye: string;
  transfer: string;
  /** Said before `transfer` when the agent gives up understanding the caller. */
  notUnderstood: string;
  /** Said before `transfer` when the caller kept being silent. */
  badLine: string;
  /** Said before `transfer` when the caller named several orders not on their number. */
  orderLookupsExhausted: string;
  shopUnavailable: string;
  productsFound: string;
  productNotFound: string;
  inStock: string;
  outOfStock: string;
  /** Worded so that it never tells whether the order exists for another number. */
  orderNotFound: string;
  orderNeedsCallerNumber: string;
  orderState: Record<OrderState, string>;
  expectedDelivery: string;
  /** Month names in the genitive, as said after a day: "14 березня". */
  months: readonly string[];
  /** Forms of "hryvnia" after 1, after 2–4 and after 5–20 (Slavic plural rules). */
  hryvnia: { one: string; few: string; many: string };
}

/** The fallback dialog's lines. Replies stay short: they are heard on a phone, not read. */
export const FALLBACK_PHRASES: Record<Language, DialogPhrases> = {
  uk: {
    greeting: 'Вітаю!',
    questions: {
      howCanIHelp: 'Чим можу допомогти?',
      anythingElse: 'Чим іще можу допомогти?',
      offerOperator: "Хочете, з'єднаю вас з оператором?",
      askOrderNumber: 'Назвіть, будь ласка, номер замовлення.',
    },
    listening: 'Слухаю вас. Можете запитати про товар, ціну чи замовлення.',
    youAreWelcome: 'Будь ласка!',
    okay: 'Добре.',
    unclear:
      'Перепрошую, не зовсім зрозуміло. Я можу підказати ціну й наявність товару або статус замовлення.',
    didNotCatch: 'Перепрошую, вас не було чути. Повторіть, будь ласка.',
    goodbye: 'Дякуємо за дзвінок і гарного вам дня! До побачення.',
    transfer: "З'єдную вас з оператором, залишайтеся на лінії.",
    notUnderstood: 'Перепрошую, не вдається вас зрозуміти.',
    badLine: 'Вас погано чути.',
    orderLookupsExhausted: 'З цим замовленням допоможе оператор.',
    shopUnavailable: 'Вибачте, зараз не вдається це перевірити.',
    productsFound: 'Ось що знайшлося.',
    productNotFound: 'На жаль, такого товару не знайшлося.',
    inStock: 'є в наявності',
    outOfStock: 'немає в наявності',
    orderNotFound: 'Серед замовлень на ваш номер телефону такого немає.',
    orderNeedsCallerNumber: 'Не бачу номера вашого телефону, тож не можу перевірити замовлення.',
    orderState: {
      new: 'Ваше замовлення оформлене й чекає на оплату.',
      paid: 'Ваше замовлення оплачене й готується до відправлення.',
      shipped: 'Ваше замовлення вже в дорозі.',
      delivered: 'Ваше замовлення доставлене.',
      cancelled: 'Ваше замовлення скасоване.',
    },
    expectedDelivery: 'Орієнтовна дата доставки —',
    months: [
      'січня',
      'лютого',
      'березня',
      'квітня',
      'травня',
      'червня',
      'липня',
      'серпня',
      'вересня',
      'жовтня',
      'листопада',
      'грудня',
    ],
    hryvnia: { one: 'гривня', few: 'гривні', many: 'гривень' },
  },
  ru: {
    greeting: 'Добрый день!',
    questions: {
      howCanIHelp: 'Чем могу помочь?',
      anythingElse: 'Чем ещё могу помочь?',
      offerOperator: 'Хотите, соединю вас с живым оператором?',
      askOrderNumber: 'Назовите, пожалуйста, номер заказа, и я всё проверю.',
    },
    listening: 'Слушаю вас. Вы можете спросить о товаре, цене или заказе.',
    youAreWelcome: 'Пожалуйста!',
    okay: 'Хорошо.',
    unclear:
      'Извините, это не совсем понятно. Я могу подсказать цену и наличие товара или статус заказа.',
    didNotCatch: 'Извините, вас не было слышно. Повторите, пожалуйста.',
    goodbye: 'Спасибо за звонок! Всего доброго, будем рады помочь снова.',
    transfer: 'Соединяю вас с живым оператором, оставайтесь на линии.',
    notUnderstood: 'Извините, не получается вас понять.',
    badLine: 'Вас плохо слышно.',
    orderLookupsExhausted: 'С этим заказом поможет оператор.',
    shopUnavailable: 'Извините, сейчас не получается это проверить.',
    productsFound: 'Вот что нашлось.',
    productNotFound: 'К сожалению, мы не нашли такой товар.',
    inStock: 'есть в наличии',
    outOfStock: 'нет в наличии',
    orderNotFound: 'Среди заказов на ваш номер телефона такого нет.',
    orderNeedsCallerNumber: 'Не вижу номера вашего телефона, поэтому не могу проверить заказ.',
    orderState: {
      new: 'Ваш заказ оформлен и ждёт оплаты.',
      paid: 'Ваш заказ оплачен и готовится к отправке.',
      shipped: 'Ваш заказ уже в пути.',
      delivered: 'Ваш заказ доставлен.',
      cancelled: 'Ваш заказ отменён.',
    },
    expectedDelivery: 'Ожидаемая дата доставки —',
    months: [
      'января',
      'февраля',
      'марта',
      'апреля',
      'мая',
      'июня',
      'июля',
      'августа',
      'сентября',
      'октября',
      'ноября',
      'декабря',
    ],
    hryvnia: { one: 'гривна', few: 'гривны', many: 'гривен' },
  },
};

/**
 * Speaks a price in whole hryvnias with the right plural: "18 999 гривень", "21 гривна".
 * Thousands are grouped with a space, the way eSpeak NG reads Ukrainian and Russian numbers as
 * one quantity; kopiykas are rounded away because nobody says them on the phone.
 */
export function spokenUah(amountUah: number, language: Language): string {
  const whole = Math.round(Math.abs(amountUah));
  const grouped = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  const forms = FALLBACK_PHRASES[language].hryvnia;
  const lastTwo = whole % 100;
  const last = whole % 10;
  const form =
    lastTwo >= 11 && lastTwo <= 14
      ? forms.many
      : last === 1
        ? forms.one
        : last >= 2 && last <= 4
          ? forms.few
          : forms.many;
  return `${grouped} ${form}`;
}

/** Speaks an ISO date (YYYY-MM-DD) as "14 березня"; undefined when it is not such a date. */
export function spokenDate(isoDate: string, language: Language): string | undefined {
  const parts = /^\d{4}-(\d{2})-(\d{2})$/.exec(isoDate);
  const month = FALLBACK_PHRASES[language].months[Number(parts?.[1]) - 1];
  const day = Number(parts?.[2]);
  if (month === undefined || !(day >= 1 && day <= 31)) return undefined;
  return `${day} ${month}`;
}
