import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Search attributes batchJobWorkflow keeps current, for filtering jobs in the Temporal Web UI. Never prompts or keys. */
export const PHASE_KEY = defineSearchAttributeKey('DurabatchPhase', SearchAttributeType.KEYWORD);
export const PROVIDER_KEY = defineSearchAttributeKey('DurabatchProvider', SearchAttributeType.KEYWORD);
export const ITEMS_KEY = defineSearchAttributeKey('DurabatchItems', SearchAttributeType.INT);

/** The same set in the form the dev server's `--search-attribute Name=Type` flag and registration take. */
export const SEARCH_ATTRIBUTES = {
  DurabatchPhase: 'Keyword',
  DurabatchProvider: 'Keyword',
  DurabatchItems: 'Int',
} as const;
