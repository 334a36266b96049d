/** What `list --phase` takes: the job phases, and `running` for any of the running ones. Kept apart so the CLI's start loads nothing heavy. */
export const LIST_PHASES = [
  'running',
  'validating',
  'submitting',
  'polling',
  'fetching',
  'cancelling',
  'completed',
  'cancelled',
  'failed',
] as const;
export type ListPhase = (typeof LIST_PHASES)[number];
