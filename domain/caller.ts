import { createHmac } from 'node:crypto';

/**
 * The development secret for caller hashes. The seed migration ties its sample orders to hashes
 * made with it; production sets its own secret, which makes those sample orders unreachable.
 */
export const DEV_CALLER_HASH_SECRET = 'dzvin-dev-secret';

/** Country code assumed for national numbers (`050 123 45 67`): the shop is in Ukraine. */
const DEFAULT_COUNTRY_CODE = '380';

/**
 * Normalizes a phone number to E.164 (`+380501234567`). Accepts spaces, dashes, dots and
 * brackets, an international `00` prefix, and Ukrainian national numbers starting with `0`.
 * Throws a RangeError that never repeats the number (it is personal data).
 */
export function normalizePhoneNumber(phone: string): string {
  const trimmed = phone.trim();
  const digits = trimmed.replace(/[\s().-]/g, '');

  let international: string;
  if (digits.startsWith('+')) international = digits.slice(1);
  else if (digits.startsWith('00')) international = digits.slice(2);
  else if (digits.startsWith(DEFAULT_COUNTRY_CODE)) international = digits;
  else if (digits.startsWith('0')) international = DEFAULT_COUNTRY_CODE + digits.slice(1);
  else international = digits;

  // E.164 allows at most 15 digits and no leading zero; 8 is the shortest number in real use.
  if (!/^[1-9]\d{7,14}$/.test(international)) {
    throw new RangeError(`not a phone number (${trimmed.length} characters given)`);
  }
  return `+${international}`;
}

/**
 * The caller identity stored in the database and shown to operators: the hex HMAC-SHA256 of the
 * E.164 number. Keyed, because a plain hash of a phone number is reversed by trying all numbers.
 * Uses node:crypto, so workflow code must receive the hash rather than compute it.
 */
export function hashCaller(phone: string, secret: string): string {
  return createHmac('sha256', secret).update(normalizePhoneNumber(phone)).digest('hex');
}
