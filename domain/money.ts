/**
 * Money is counted in integer nano-dollars (1e-9 USD) so that sums of many small prices stay
 * exact: a Haiku cache-read token costs 100 nUSD, a Google STT second 400,000 nUSD.
 * JavaScript numbers hold integers exactly up to 9e15 nUSD, i.e. nine million dollars per call.
 */
export type NanoUsd = number;

export const NANO_PER_USD = 1_000_000_000;

/** Converts a USD price per `per` units into nano-dollars per unit, exactly when possible. */
export function nanoUsdPerUnit(usd: number, per: number): NanoUsd {
  return Math.round((usd * NANO_PER_USD) / per);
}

/** Formats nano-dollars as a decimal USD string with nine places, e.g. `0.001234000`. */
export function formatUsd(nano: NanoUsd): string {
  if (!Number.isSafeInteger(nano)) throw new RangeError(`not an exact nano-dollar amount: ${nano}`);
  const sign = nano < 0 ? '-' : '';
  const abs = Math.abs(nano);
  const whole = Math.floor(abs / NANO_PER_USD);
  const frac = String(abs % NANO_PER_USD).padStart(9, '0');
  return `${sign}${whole}.${frac}`;
}

/**
 * Reads a decimal USD string with at most nine places (as `formatUsd` and Postgres `numeric(…, 9)`
 * print them) into nano-dollars, without passing through a float.
 */
export function parseUsd(text: string): NanoUsd {
  const match = /^(-?)(\d+)(?:\.(\d{1,9}))?$/.exec(text.trim());
  if (!match) throw new RangeError(`not a USD amount with at most nine decimals: "${text}"`);
  const [, sign, whole, frac = ''] = match;
  const nano = Number(whole) * NANO_PER_USD + Number(frac.padEnd(9, '0'));
  if (!Number.isSafeInteger(nano)) throw new RangeError(`USD amount too large: "${text}"`);
  return sign === '-' ? -nano : nano;
}
