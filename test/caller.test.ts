import { describe, expect, it } from 'vitest';

import { DEV_CALLER_HASH_SECRET, hashCaller, normalizePhoneNumber } from '../domain/caller.js';

describe('caller identity', () => {
  it('gives one hash to every way of writing the same Ukrainian number', () => {
    const forms = ['+380501234567', '+38 (050) 123-45-67', '0501234567', '00380501234567'];

    const hashes = new Set(forms.map((phone) => hashCaller(phone, DEV_CALLER_HASH_SECRET)));

    expect([...hashes]).toEqual([
      '16db7d991a971278258bf950ef8b42d65e40275abb3084cc36234d2f23e834a5',
    ]);
  });

  it('hashes the same number differently under another secret', () => {
    expect(hashCaller('+380501234567', 'production-secret')).not.toBe(
      hashCaller('+380501234567', DEV_CALLER_HASH_SECRET),
    );
  });

  it('keeps foreign numbers in international form', () => {
    expect(normalizePhoneNumber('+48 601 234 567')).toBe('+48601234567');
  });

  it('rejects what is not a number without repeating it in the error', () => {
    expect(() => normalizePhoneNumber('anonymous')).toThrow(RangeError);
    expect(() => normalizePhoneNumber('+1234')).toThrow(/^not a phone number/);
    expect(() => normalizePhoneNumber('+1234')).not.toThrow(/1234/);
  });
});
