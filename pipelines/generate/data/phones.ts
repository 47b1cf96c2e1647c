// Mobile number segments that are all in service and carry no special meaning, so a clean
// generated mobile is always well-formed for any reasonable segment table.
export const MOBILE_SEGMENTS: readonly string[] = ['139', '138', '186', '158', '177', '199', '135', '150', '188', '187'];

/** Placeholder phones (004 篇五 art. 11); only ever injected as defects. */
export const PLACEHOLDER_MOBILES = {
  /** Well-formed: only the placeholder rule fires. */
  wellFormed: '13800000000',
  /** Also malformed (no 11- or 12- segment exists): placeholder and mobile-format both fire. */
  malformed: ['11111111111', '12345678901'],
} as const;
