// Synthetic change-event streams with injected defects and their ground truth.
export { generateStream, GenerateOptions, type GeneratedStream } from './stream.ts';
export { writeGeneratedStream, truthFileFor } from './write.ts';
export type { GroundTruth, DeadLetterTruth, DeadLetterReason, RawValues } from './truth.ts';
export type { PatternRuleTruth, PatternGroupTruth, ScenarioRecord, GroupKind } from './pattern-truth.ts';
export { RULE_IDS, PATTERN_RULE_IDS, PATTERN_RULE_DEFAULTS, type RuleId, type PatternRuleId, type AnyRuleId } from './model.ts';
export { DEFECTS, type Defect } from './defects.ts';
