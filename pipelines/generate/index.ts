// Synthetic change-event streams with injected defects and their ground truth.
export { generateStream, GenerateOptions, type GeneratedStream } from './stream.ts';
export { writeGeneratedStream, truthFileFor } from './write.ts';
export type { GroundTruth, DeadLetterTruth, DeadLetterReason, RawValues } from './truth.ts';
export { RULE_IDS, type RuleId } from './model.ts';
export { DEFECTS, type Defect } from './defects.ts';
