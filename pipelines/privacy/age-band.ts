// Age bands instead of birth dates: analysts get the age structure of a portfolio, not a date that
// with a region singles a person out. Computed at the event date so replays give the same band.

export const AGE_BANDS = ['<18', '18-29', '30-39', '40-49', '50-59', '60-69', '70+'] as const;
export type AgeBand = (typeof AGE_BANDS)[number];

const ISO_DATE = /^(\d{4})-(\d{2}-\d{2})$/;

/** Completed years between two YYYY-MM-DD dates; undefined when either is malformed. */
export function ageInYears(birthDate: string, asOf: string): number | undefined {
  const birth = ISO_DATE.exec(birthDate);
  const at = ISO_DATE.exec(asOf);
  if (!birth || !at) return undefined;
  const [, birthYear = '', birthDay = ''] = birth;
  const [, atYear = '', atDay = ''] = at;
  // MM-DD strings compare in calendar order; someone born on 29 Feb turns a year older on 1 Mar.
  return Number(atYear) - Number(birthYear) - (atDay < birthDay ? 1 : 0);
}

/** '' when the birth date is absent, malformed or after `asOf` (a data error, not an age). */
export function ageBandOf(birthDate: string | undefined, asOf: string): AgeBand | '' {
  if (birthDate === undefined) return '';
  const age = ageInYears(birthDate, asOf);
  if (age === undefined || age < 0) return '';
  if (age < 18) return '<18';
  if (age >= 70) return '70+';
  if (age < 30) return '18-29';
  // 30-39 … 60-69 are the decades, at indices 2 … 5.
  return AGE_BANDS[Math.floor(age / 10) - 1] ?? '';
}
