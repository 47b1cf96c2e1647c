// The corrections contract (customer-correction/v1): what Verity sends upstream when a steward
// resolves an issue as `corrected` — on Kafka `customer.corrections` with key = customerId, or to
// the file outbox `data/outbox/corrections.jsonl` in embedded mode. Unlike every other output it
// carries raw values (the corrected ones): the upstream system of record needs them. Inside Verity
// it is only ever stored sealed (the outbox), and it never reaches logs or the analytics store.
import { z } from 'zod';

export const CORRECTION_SCHEMA = 'customer-correction/v1' as const;

export const CorrectionFields = z
  .strictObject({
    name: z.string().min(1).max(200).optional(),
    mobile: z.string().min(1).max(50).optional(),
    landline: z.string().min(1).max(50).optional(),
    address: z.string().min(1).max(500).optional(),
  })
  .refine((f) => Object.values(f).some((v) => v !== undefined), { message: 'at least one field' });

export const CustomerCorrection = z.strictObject({
  schema: z.literal(CORRECTION_SCHEMA),
  /** Unique per correction: consumers de-duplicate re-deliveries on it. */
  eventId: z.string().min(1).max(200),
  /** The upstream record's id (as in customer-change/v1): the message key. */
  customerId: z.string().min(1).max(200),
  /** The data-quality issue the steward resolved. */
  issueId: z.string().min(1),
  /** Only the fields the steward corrected: the values to write back. */
  fields: CorrectionFields,
  /** The steward's console username. */
  steward: z.string().min(1).max(100),
  correctedAt: z.iso.datetime({ offset: true }),
});
export type CustomerCorrection = z.infer<typeof CustomerCorrection>;
