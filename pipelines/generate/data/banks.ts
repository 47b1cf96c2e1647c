// Banks with UnionPay-style issuer prefixes (62…) and the lengths their debit cards use, plus
// corporate-account shapes. Corporate accounts never start with 62, so they carry no Luhn digit:
// the bank-account rule must not Luhn-check them, and the generator gives them an arbitrary last digit.

export interface CardProduct {
  readonly bank: string;
  /** 6-digit issuer identification number. */
  readonly bin: string;
  readonly length: 16 | 19;
}

export const CARD_PRODUCTS: readonly CardProduct[] = [
  { bank: 'ICBC', bin: '622202', length: 19 },
  { bank: 'ICBC', bin: '621226', length: 19 },
  { bank: 'ICBC', bin: '622208', length: 19 },
  { bank: 'ABC', bin: '622848', length: 19 },
  { bank: 'ABC', bin: '622845', length: 19 },
  { bank: 'BOC', bin: '621661', length: 19 },
  { bank: 'BOC', bin: '621663', length: 19 },
  { bank: 'CCB', bin: '621700', length: 19 },
  { bank: 'CCB', bin: '622700', length: 19 },
  { bank: 'BOCOM', bin: '622262', length: 19 },
  { bank: 'PSBC', bin: '621799', length: 19 },
  { bank: 'PSBC', bin: '622188', length: 19 },
  { bank: 'CMB', bin: '621483', length: 16 },
  { bank: 'CMB', bin: '621485', length: 16 },
  { bank: 'CMB', bin: '622588', length: 16 },
  { bank: 'CITIC', bin: '621771', length: 16 },
  { bank: 'CEB', bin: '622660', length: 16 },
  { bank: 'CMBC', bin: '622622', length: 16 },
];

export interface CorporateAccountShape {
  readonly bank: string;
  /** Branch or city prefix; never 62. */
  readonly prefix: string;
  /** 12–19 digits in total. */
  readonly length: number;
}

export const CORPORATE_ACCOUNT_SHAPES: readonly CorporateAccountShape[] = [
  { bank: 'ICBC', prefix: '4000', length: 19 },
  { bank: 'ICBC', prefix: '1202', length: 19 },
  { bank: 'BOC', prefix: '35', length: 12 },
  { bank: 'ABC', prefix: '19', length: 17 },
  { bank: 'CMB', prefix: '7559', length: 15 },
  { bank: 'CMB', prefix: '5719', length: 15 },
  { bank: 'SPDB', prefix: '7921', length: 16 },
  { bank: 'CIB', prefix: '3370', length: 18 },
  { bank: 'BOCOM', prefix: '3100', length: 14 },
];
