// ISO/IEC 7812-1 Annex B (Luhn) check digit, as carried by payment card numbers.

function luhnSum(digits: string, doubleFirst: boolean): number {
  let sum = 0;
  let double = doubleFirst;
  for (let i = digits.length - 1; i >= 0; i--) {
    let digit = Number(digits[i]);
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum;
}

/** The digit to append to `payload` (digits only) so the whole number passes Luhn. */
export function luhnCheckDigit(payload: string): string {
  if (!/^\d+$/.test(payload)) throw new RangeError('Luhn payload must be digits');
  // The rightmost payload digit is doubled, since the check digit will follow it.
  return String((10 - (luhnSum(payload, true) % 10)) % 10);
}

export function isLuhnValid(number: string): boolean {
  if (!/^\d{2,}$/.test(number)) return false;
  return luhnSum(number, false) % 10 === 0;
}
