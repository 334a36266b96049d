/**
 * A worker with neither a provider key nor an emulator can run no job: each would fail at its
 * first step (MissingApiKey). The worker still starts — a key may be meant for another worker of
 * the same queue, or be set before the next job — but says so once, plainly, at start.
 */
import { API_KEY_VARS } from '../providers';
import { PROVIDERS } from '../types';

export function missingKeysLine(env: NodeJS.ProcessEnv, emulatorUrl?: string): string | undefined {
  if (emulatorUrl) return undefined;
  const hasKey = PROVIDERS.some((p) => API_KEY_VARS[p].some((v) => env[v]?.trim()));
  if (hasKey) return undefined;
  const vars = PROVIDERS.map((p) => API_KEY_VARS[p].join(' or ')).join(', ');
  return `no provider key is set: set ${vars}, or pass --emulator URL (from \`durabatch emulator\`); until then every job fails at its first step`;
}
