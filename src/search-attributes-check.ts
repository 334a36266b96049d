import type { OperatorService } from '@temporalio/client/lib/types';
import { SEARCH_ATTRIBUTES } from './search-attributes';

/** Enum values of temporal.api.enums.v1.IndexedValueType, by the names `temporal operator` takes. */
const INDEXED_VALUE_TYPES = { Text: 1, Keyword: 2, Int: 3, Double: 4, Bool: 5, Datetime: 6, KeywordList: 7 } as const;
export type SearchAttributeTypeName = keyof typeof INDEXED_VALUE_TYPES;

/**
 * The search attributes durabatch's workflow sets must exist in the namespace: an unregistered one
 * fails every workflow task (BAD_SEARCH_ATTRIBUTES) forever, and the client never hears why. They are
 * registered when this connection may (dev server, operator rights); otherwise this throws with the
 * exact command an operator runs.
 */
export async function ensureSearchAttributes(
  operator: OperatorService,
  namespace: string,
  wanted: Record<string, SearchAttributeTypeName> = SEARCH_ATTRIBUTES,
): Promise<{ registered: string[] }> {
  const existing = await operator.listSearchAttributes({ namespace });
  const missing = Object.entries(wanted).filter(([name]) => !existing.customAttributes?.[name]);
  if (missing.length === 0) return { registered: [] };
  try {
    await operator.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, INDEXED_VALUE_TYPES[type]])),
    });
    return { registered: missing.map(([name]) => name) };
  } catch (err) {
    const command = `temporal operator search-attribute create --namespace ${namespace} ${missing.map(([name, type]) => `--name ${name} --type ${type}`).join(' ')}`;
    throw new Error(
      `the search attributes ${missing.map(([n]) => n).join(', ')} are not registered in namespace "${namespace}", and this ` +
        `worker may not register them (${(err as Error).message}). Without them every job's workflow task fails. ` +
        `Ask an operator to run:\n  ${command}`,
      { cause: err },
    );
  }
}
