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
