// The decode bounds the fuzz runs under: the defaults over the whole date domain (what unit callers
// get), the defaults with the pipeline's event-time window at a pinned "now", and tight limits
// that put every kind of too-large within reach of small messages.
import fc from 'fast-check';
import { DEFAULT_EVENT_TIME, DEFAULT_INPUT_LIMITS, DOMAIN_WINDOW, eventTimeWindow, InputLimits } from '../../pipelines/contract/bounds.ts';
import type { DecodeBounds } from '../../pipelines/quality/decode.ts';

/** The processing time of the fuzz: fixed, so a run's event-time window never depends on today. */
export const FUZZ_NOW_MS = Date.parse('2026-06-01T04:00:00Z');
export const FUZZ_NOW = new Date(FUZZ_NOW_MS).toISOString();

const pipelineWindow = eventTimeWindow(DEFAULT_EVENT_TIME.earliest, DEFAULT_EVENT_TIME.aheadHours, FUZZ_NOW_MS);

export const BOUNDS_PRESETS: readonly { readonly name: string; readonly bounds: DecodeBounds }[] = [
  { name: 'default', bounds: { limits: DEFAULT_INPUT_LIMITS, eventTime: DOMAIN_WINDOW } },
  { name: 'pipeline', bounds: { limits: DEFAULT_INPUT_LIMITS, eventTime: pipelineWindow } },
  {
    name: 'tight',
    bounds: { limits: InputLimits.parse({ maxMessageBytes: 2048, maxStringLength: 64, maxArrayItems: 2, maxObjectKeys: 16, maxDepth: 4 }), eventTime: pipelineWindow },
  },
  {
    name: 'smallest',
    bounds: { limits: InputLimits.parse({ maxMessageBytes: 1024, maxStringLength: 64, maxArrayItems: 1, maxObjectKeys: 16, maxDepth: 4 }), eventTime: DOMAIN_WINDOW },
  },
];

export const boundsPreset = fc.constantFrom(...BOUNDS_PRESETS);
