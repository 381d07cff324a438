/**
 * The data behind LLM model routing: which words of a caller's first phrase point to which
 * scenario, and whether that scenario is simple enough for the small model. Pure; the router in
 * model-router.ts reads this table and holds no words of its own.
 */
import { INTENT_PATTERNS } from './intents.js';

import type { Intent } from './intents.js';

/** Simple calls go to the small model, complex ones to the large one. */
export type RouteTier = 'simple' | 'complex';

/** What a first phrase is about, as reported to metrics and search attributes. */
export type RoutingScenario =
  | 'order_status'
  | 'availability'
  | 'price'
  | 'greeting'
  /** A bare yes or no, as when the caller answers the greeting's question. */
  | 'yes_no'
  | 'operator'
  /** Comparing products, or asking for advice on which to choose. */
  | 'comparison'
  | 'new_order'
  | 'installation'
  | 'technical'
  /**
   * After-sales and terms: delivery terms, payment, credit, warranty, returns, repairs, changes
   * to an order, opening hours.
   */
  | 'service'
  | 'multi_request'
  | 'unknown';

/** Every scenario, simple ones first; metrics pre-create their series from this list. */
export const ROUTING_SCENARIOS: readonly RoutingScenario[] = [
  'order_status',
  'availability',
  'price',
  'greeting',
  'yes_no',
  'operator',
  'comparison',
  'new_order',
  'installation',
  'technical',
  'service',
  'multi_request',
  'unknown',
];

/**
 * How a matching group counts:
 * - `request`: the caller asks for something; a complex request outweighs any simple one.
 * - `social`: greeting, thanks, yes or no; decides only when no request matched and every other
 *   word of the phrase is in `SOCIAL_FILLER_WORDS`, since any other word around a greeting is a
 *   request the table does not know ("Можна розплатитися частинами?" is not a "yes").
 * - `marker`: words that announce several requests ("і ще", "два вопроса").
 */
export type PatternRole = 'request' | 'social' | 'marker';

/** One row of the routing table. */
export interface RoutingPatternGroup {
  /** Unique name, reported in a route's `matched` list. */
  name: string;
  scenario: Exclude<RoutingScenario, 'unknown'>;
  tier: RouteTier;
  role: PatternRole;
  /**
   * Set on requests about an order already placed. Such a request together with a request of
   * another kind ("де моє замовлення і скільки коштує чайник") is a multi-request.
   */
  existingOrder?: boolean;
  /** Tested against `normalizeUtterance(text)`: lower case, no apostrophes, ё → е. */
  patterns: readonly RegExp[];
}

/**
 * Builds a pattern of whole words; `~` stands for the rest of a word, so a stem such as
 * `замовлен~` matches every case ending.
 */
function words(source: string): RegExp {
  const body = source.replaceAll('~', '\\p{L}*');
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${body})(?![\\p{L}\\p{N}])`, 'u');
}

/** The fallback dialog's patterns for the same everyday words, so both agree on them. */
function intentPatterns(...intents: Intent[]): RegExp[] {
  return INTENT_PATTERNS.filter((entry) => intents.includes(entry.intent)).flatMap(
    (entry) => entry.patterns,
  );
}

const BRANDS =
  'bosch|бош~|samsung|самсунг~|lg|лдж[иі]|лж|элджи|елджі|philips|ф[иі]л[иі]пс~|tefal|тефал~|' +
  'electrolux|[еэ]лектролюкс~|gorenje|горень[еє]|beko|беко|delonghi|делонг~|whirlpool|вирпул~';

const PRODUCTS =
  'холод[иі]л[ь]?н~|пральн~|пралк~|стиральн~|стиралк~|посудоми~|посудомо~|м[іи]крохвил~|' +
  'микроволн~|пил[еио]сос~|пылесос~|праск~|утюг~|чайник~|кавовар~|кофевар~|кавомашин~|' +
  'кофемашин~|в[иіы]тяжк~|плит(?:а|у|и|ою|ка|ку|ки)|духов~|бойлер~|мультиварк~|блендер~|' +
  'фен(?:а|и|у|ом)?|телев[иі]зор~|кондиц[иі]онер~|машин(?:а|у|и|ка|ку|ки)|варочн~|' +
  'морозильн~';

/**
 * Words a greeting or an answer may come with and still be nothing more ("Алё, слышно меня?",
 * "Добрый день, это магазин бытовой техники?"). Compared after `normalizeUtterance`.
 */
export const SOCIAL_FILLER_WORDS: ReadonlySet<string> = new Set([
  ...['слухаю', 'слушаю', 'чую', 'слышу', 'слышно', 'чути', 'мене', 'меня', 'вас', 'вам', 'я'],
  ...['це', 'это', 'магазин', 'техніки', 'техники', 'побутової', 'бытовой', 'побутова'],
  ...['дівчина', 'дівчино', 'девушка', 'будь', 'ласка', 'пожалуйста', 'пожалуста', 'ну', 'ой'],
  ...['а', 'і', 'и', 'та', 'вже', 'уже', 'все', 'всё', 'тут', 'там', 'вы', 'ви', 'є', 'есть'],
]);

/** Question words that turn a dimension or unit into a technical question ("яка глибина"). */
const ASKING = '(?:який|яка|яке|які|какой|какая|какое|какие|скільки|сколько|скіко|скока)';
const DIMENSIONS =
  'глибин~|глубин~|ширин~|висот~|высот~|габарит~|розм[іе]р~|размер~|обєм~|об[єе]м~|объем~|' +
  'л[іи]тр~|кілограм~|килограм~|кг|кіло|сантиметр~|дюйм~|ват~|кіловат~|киловат~';

/** The routing table. Order does not matter; model-router.ts decides between matches. */
export const ROUTING_PATTERNS: readonly RoutingPatternGroup[] = [
  {
    name: 'greeting',
    scenario: 'greeting',
    tier: 'simple',
    role: 'social',
    patterns: intentPatterns('greeting', 'thanks', 'goodbye'),
  },
  {
    name: 'yes_no',
    scenario: 'yes_no',
    tier: 'simple',
    role: 'social',
    patterns: intentPatterns('yes', 'no'),
  },
  {
    name: 'operator',
    scenario: 'operator',
    tier: 'simple',
    role: 'request',
    patterns: intentPatterns('operator'),
  },
  {
    name: 'order_status',
    scenario: 'order_status',
    tier: 'simple',
    role: 'request',
    existingOrder: true,
    patterns: [
      // "Зробити замовлення" and "оформить заказ" place a new order; new_order owns them.
      words(
        '(?<!(?:зробити|оформити|сделать|оформить|хочу|можна|можно) )' +
          '(?:замовл[еиі]н~|заказ(?:а|у|ом|е|ы|ов|ик)?)' +
          '(?! (?:зробити|оформити|сделать|оформить))',
      ),
      words('замовля[вл]~|замовив~|замовил~|заказыв~|заказал~|оформлял~|оформив~|оформил~'),
      words('статус~|трек~|ттн|накладн~|посилк~|посылк~|в[іи]дстеж~|отслед~'),
      words('де (?:там )?(?:моє|мій|моя|мої)|где (?:там )?(?:мой|моя|мои)'),
      words('(?:що|шо|что) (?:там )?(?:з|с|по) (?:моїм|моєю|моєму|моим|моей|моему)'),
      words(
        '(?:коли|когда) (?:\\p{L}+ )?(?:привез~|доставл~|доставят|прийде|придет|при[їи]де~|' +
          'приедет|в[іи]дправ~|отправ~)',
      ),
      words('чека[юєю]~|жду|ждем|(?:де|где) (?:він|вона|вони|он|она|они)$'),
      words('(?:вже|уже) (?:в дороз[іи]|в пути)|в[іи]дправили|отправили|не (?:приїхал~|приехал~)'),
    ],
  },
  {
    name: 'availability',
    scenario: 'availability',
    tier: 'simple',
    role: 'request',
    patterns: [
      words('наявн~|наличи~|в продаж~|(?:чи|у вас|в вас) (?:є|[єе]сть)|є у вас|є щось|ма[єе]те'),
      words('есть ли|есть у вас|есть что|име[ею]тся|прода(?:єте|ете|ються|ются|ют)|шука[ює]~'),
      words('бува(?:ють|ют|є)|бывают|ищу|ищем|(?:є|есть) так(?:і|ие|ий|ая|а|е|ое)'),
      // "Є пилососи", "лишилися ще пральні": a product right after the word for having it. "У
      // мене є пральна" is the caller's own machine, usually with a complaint to follow.
      words(
        '(?<!(?:у|в) (?:мене|меня|нас) )(?:є|есть|лишил~|залишил~|остал~) ' +
          `(?:\\p{L}+ )?(?:${PRODUCTS})`,
      ),
      words(`(?:цікав~|интересу~) (?:\\p{L}+ )?(?:${PRODUCTS})`),
      // "Стиральная машинка Беко есть?": the question word comes last.
      // "ТТН у мене є" tells what the caller has, not what the shop has.
      /(?:^| )(?<!(?:у|в) (?:мене|меня) )(?:є|есть)$/u,
    ],
  },
  {
    name: 'price',
    scenario: 'price',
    tier: 'simple',
    role: 'request',
    patterns: [
      words('ц[іи]н(?:а|у|и|ою|і)|вартіст~|вартост~|варт(?:ує|ують)|кошту~|почому|по чому'),
      words('цен(?:а|у|ы|ой|е)|стоимост~|сто[їі]т~|стоит|стоят|стоить|почем|по чем'),
    ],
  },
  {
    name: 'comparison',
    scenario: 'comparison',
    tier: 'complex',
    role: 'request',
    patterns: [
      words(
        '(?:що|шо|что|чо) (?:\\p{L}+ )?(?:краще|лучше)|краще (?:взяти|брати)|лучше (?:взять|брать)',
      ),
      words(
        '(?:який|яка|яке|які|какой|какая|какое|какие) (?:\\p{L}+ )?(?:краще|лучше|надійн~|надежн~)',
      ),
      words('г[іи]рш~|хуже|кращ(?:е|ий|а|і) за|лучше чем|(?:чим|чем) (?:\\p{L}+ )?(?:кращ~|лучш~)'),
      words('порівн~|сравн~|р[іи]зниц~|разниц~|в[іи]др[іи]зня~|отлича~|надійн[іи]ш~|надежне~'),
      words('порад~|посовет~|посов[єе]ту~|рекоменд~|п[іи]д[іи]брат~|п[іи]дбер[іи]ть|подобрат~'),
      words('подберите|вибрат~|выбрат~|вибор~|выбор~|вибір|консультац~'),
      words('не знаю (?:який|яку|яке|які|какой|какую|какое|что|що|шо)'),
      words(`(?:${BRANDS}) (?:чи|или|або) (?:${BRANDS})`),
    ],
  },
  {
    name: 'new_order',
    scenario: 'new_order',
    tier: 'complex',
    role: 'request',
    patterns: [
      words('замовит~|замовте|замовлю|заказат~|закажу|закажите|купит~|куплю|придбат~|приобрест~'),
      words('докуп~|в[іи]зьму|возьму|(?:зробити|оформити|сделать|оформить) (?:замовлен~|заказ~)'),
      words('(?:замовлен~|заказ~) (?:зробити|оформити|сделать|оформить)'),
      // "Як оформити повернення" is a return, not an order.
      words(
        'оформ(?:ити|ить|іть|ите|им|имо|имте|лю)' +
          '(?! (?:повернен~|поверн~|возврат~|обм[іе]н~|рекламац~|претенз~|гарант~))',
      ),
    ],
  },
  {
    name: 'installation',
    scenario: 'installation',
    tier: 'complex',
    role: 'request',
    patterns: [
      words('встанов~|установ~|монтаж~|демонтаж~|п[іи]дключ~|подключ~|майстр~|мастер~'),
      words('вбудув~|встроит~|поставит~|ставите|ставит[еь]|запис(?:ати|атися|атись|аться|ать)'),
      words('запиш[іи]ть|запишите'),
    ],
  },
  {
    name: 'technical',
    scenario: 'technical',
    tier: 'complex',
    role: 'request',
    patterns: [
      words('енергоспожив~|энергопотребл~|енергоеф~|энергоэф~|клас~ енерг~|класс~ энерг~'),
      words('споживає|споживан~|потребля~|потребление|децибел~|шум~|гучн~|громк~'),
      words('потужн~|мощн~|режим~|функці~|функци~|програм~|в[іи]джим~|отжим~|оберт~|оборот~'),
      words('інвертор~|инвертор~|мотор~|двигун~|двигател~|конвекц~|компрес+ор~|характеристик~'),
      words('параметр~|інструкц~|инструкц~|вм[іи]щ~|вмещ~|влаз~|влез~|завантаж~|загрузк~'),
      words('як (?:працю~|користуват~|налаштув~)|как (?:работает|пользоват~|настро~)'),
      words('(?:гаряч~|горяч~) вод~'),
      words(`${ASKING} (?:\\p{L}+ )?(?:${DIMENSIONS})`),
      // "у цієї пралки", "в этом холодильнике": a feature of one specific model.
      words('(?:у|в) (?:цього|цієї|цьому|ц[іи]й|этого|этой|этом)'),
    ],
  },
  {
    name: 'order_change',
    scenario: 'service',
    tier: 'complex',
    role: 'request',
    existingOrder: true,
    patterns: [
      words('дода(?:ти|йте|ть)|добав(?:ить|ьте)|докин~'),
      words(
        'в[іи]дмовит~|в[іи]дмовл~|отказ(?:ат~|ыва~)|скасу~|скасов~|отмен~|в[іи]дм[іи]н~|' +
          'анулю~|перенест~|перенес~',
      ),
      words('(?:зм[іи]н|измен|пом[іи]н|помен)~ (?:\\p{L}+ )?(?:адрес~|кол[іь]?[оі]р~|цвет~|дат~)'),
    ],
  },
  {
    name: 'after_sales',
    scenario: 'service',
    tier: 'complex',
    role: 'request',
    patterns: [
      words('гарант~|поверн~|поверт~|возврат~|вернут~|верн[уеі]~|обм[іе]н~|обменя~|обміня~'),
      words('зламал~|злама~|сломал~|слома~|брак~|несправн~|неисправн~|ремонт~|сервіс~'),
      words('помилк~|ошибк~|вм[яє]тин~|подряпин~|царапин~|скарг~|жалоб~|стриба~|прыга~|гуде|гудит'),
      words('не (?:працю~|работа~|вмика~|включа~|злива~|слива~|крут~|морози~|гр[іи]~|гре~)'),
      words('не (?:набира~|набир~|в[іи]джима~|отжима~|охолод~|охлажд~|морож~|нагр[іи]ва~)'),
      words(
        'не (?:той|ту|те|та|тот|то) (?:\\p{L}+ )?' +
          '(?:кол[іь]?[оі]р~|цвет~|модел~|розм[іе]р~|размер~)',
      ),
      words('пошкод~|поврежд~|не вистача~|бракує|не хвата~|не хватает|проблем~'),
      words('тече|течет|протіка~|протека~'),
    ],
  },
  {
    name: 'terms',
    scenario: 'service',
    tier: 'complex',
    role: 'request',
    patterns: [
      words('частинами|частями|розплат~|расплат~|в[іи]дстрочк~|отсрочк~'),
      words('розстрочк~|рассрочк~|кредит~|оплат~|оплачу|безготівк~|безнал~|карт(?:ою|ой)'),
      // "Пралка зі знижкою" names an item; a question about discounts has no such preposition.
      words('акці~|акци~|(?<!(?:зі|со|з|с) )(?:знижк~|скидк~)|промокод~|самовив[іо]з~|самовывоз~'),
      // "З доставкою в Житомир" belongs to an order, "адресу доставки в" to an order change.
      words('доставля(?:єте|ете)|(?<!(?:з|с|адрес\\p{L}*) )доставк~ (?:до|в|у|на|по)'),
      words(
        '(?:варт~|кошту~|стоит|стоимост~|умов~|услови~|срок~|терм[іи]н~|чи є|есть ли) ' +
          '(?:\\p{L}+ )?доставк~',
      ),
      words('працюєте|работаете|граф[іи]к~|де (?:у вас )?магазин|где (?:у вас )?магазин'),
    ],
  },
  {
    name: 'multi_marker',
    scenario: 'multi_request',
    tier: 'complex',
    role: 'marker',
    patterns: [
      words('(?:і|и|а|та) (?:ще|еще|також|также)(?! не)|заодно|ще (?:одне|одно|питання)'),
      words(
        'еще (?:один|одно|вопрос)|(?:два|дв[іе]|кілька|декілька|несколько|пару) (?:питан~|вопрос~)',
      ),
      words('по (?:перше|друге)|во (?:первых|вторых)|по (?:первое|второе)'),
      words('(?:і|и|а) (?:скажіть|скажите|підкажіть|подскажите)'),
    ],
  },
];
