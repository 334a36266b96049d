/**
 * The provider-neutral heart of the emulator: batches, their time-driven state walk, fault
 * decisions, results, a tiny file store and counters. Provider routes (openai.ts, anthropic.ts,
 * gemini.ts) only translate between their wire format and this engine.
 *
 * Everything is deterministic: state is derived lazily from `now()`, fault decisions from a stable
 * hash of the custom ID plus how many times the job has submitted that ID, ids from a counter.
 *
 * With a store (EmulatorOptions.stateDir, state-log.ts) every change is also handed to the store as
 * a StateRecord, and a new engine on the same store replays them: since phases are derived from
 * `now()`, the stored creation and cancel times are enough for every batch to carry on walking.
 */
import type { ChatMessage } from '../types';
import type { HttpFaultStatus } from './http-faults';
import { answerFor, mismatchFor, notJsonFor, refusalText, truncate } from './responder';

export type FaultKind = 'error' | 'invalid_json' | 'schema_mismatch' | 'refusal' | 'truncated';

export interface ItemFaultRule {
  /** exact custom ID, or a prefix followed by '*' */
  match: string;
  fault: FaultKind;
  /** how many submissions of a matching ID (per job, see submissionKey) get the fault; afterwards it succeeds. Default: every submission. */
  times?: number;
}

export interface FaultConfig {
  /** time in 'validating' */
  validatingMs: number;
  /** time in 'in_progress'; items finish evenly across it, in order */
  processingMs: number;
  /** time in 'finalizing' */
  finalizingMs: number;
  /** time in 'cancelling' before 'cancelled' */
  cancellingMs: number;
  /** 0..1 share of items answered with a provider error (HTTP 500 server_error for OpenAI) */
  itemErrorRate: number;
  /** 0..1 share answered with text that is not JSON */
  invalidJsonRate: number;
  /** 0..1 share answered with JSON that does not match the requested schema */
  schemaMismatchRate: number;
  /** items picked by a *rate* get the fault on their first N submissions (per job) only, so retries succeed */
  rateFaultTimes: number;
  itemFaults: ItemFaultRule[];
  /** new batches go validating -> failed; no results */
  batchFailure: boolean;
  /** new batches expire: the first half of items (floor(n/2)) complete, the rest expire */
  expire: boolean;
  /** the next `count` provider API calls answer this HTTP status with a provider-shaped error body */
  httpErrors: { status: HttpFaultStatus; count: number };
  /** create-batch handlers register the batch, then wait this long before answering */
  createDelayMs: number;
  /** the next N batch creates answer 500 before anything is created (a provider that refuses every create) */
  createErrors: number;
  /** the next N OpenAI file downloads send the first half of the file, then stall (never finish) */
  stallDownloads: number;
  /**
   * Models answered as not existing, each provider its own way: OpenAI fails the batch at validation
   * (`model_not_found`), Anthropic errors every request of it, Gemini refuses the create with 404.
   */
  unknownModels: string[];
}

/** Frozen all the way down: every config is built from it, so nobody may mutate it in place. */
export const DEFAULT_FAULTS: FaultConfig = Object.freeze({
  validatingMs: 50,
  processingMs: 300,
  finalizingMs: 50,
  cancellingMs: 100,
  itemErrorRate: 0,
  invalidJsonRate: 0,
  schemaMismatchRate: 0,
  rateFaultTimes: 1,
  itemFaults: Object.freeze([]) as unknown as ItemFaultRule[],
  batchFailure: false,
  expire: false,
  httpErrors: Object.freeze({ status: 429, count: 0 }) as FaultConfig['httpErrors'],
  createDelayMs: 0,
  createErrors: 0,
  stallDownloads: 0,
  unknownModels: Object.freeze([]) as unknown as string[],
}) as FaultConfig;

export interface EmulatedItem {
  customId: string;
  messages: ChatMessage[];
  /** the requested structured-output schema, if any (provider dialect stripped to plain JSON Schema) */
  jsonSchema?: Record<string, unknown>;
  maxTokens?: number;
}

export type EmulatedProvider = 'openai' | 'anthropic' | 'gemini';

export type EnginePhase = 'validating' | 'in_progress' | 'finalizing' | 'completed' | 'failed' | 'expired' | 'cancelling' | 'cancelled';

export type EmulatedItemResult =
  | {
      customId: string;
      kind: 'ok';
      text: string;
      finish: 'stop' | 'length' | 'refusal';
      usage: { inputTokens: number; outputTokens: number };
    }
  | { customId: string; kind: 'error'; status: number; code: string; message: string }
  | { customId: string; kind: 'expired' }
  | { customId: string; kind: 'cancelled' };

export interface EmulatedBatch {
  id: string;
  provider: EmulatedProvider;
  tag: string;
  model: string;
  createdAtMs: number;
  items: EmulatedItem[];
  /** snapshot at creation */
  faults: FaultConfig;
  cancelRequestedAtMs?: number;
  /** provider-specific extras the routes keep, e.g. input_file_id, metadata, displayName */
  meta: Record<string, unknown>;
}

export interface StoredFile {
  id: string;
  provider: EmulatedProvider;
  filename: string;
  purpose: string;
  bytes: Uint8Array;
  createdAtMs: number;
  mimeType?: string;
  /** how long after createdAtMs the file expires (OpenAI's expires_at); kept here so it survives a restart */
  ttlMs?: number;
}

/** What the engine decided for one item at create time. */
export type Decision = FaultKind | 'ok';

/**
 * One change of engine state, as a store keeps it. `ids` is the id counter after the change, so a
 * restarted engine never hands out an id again. Submission counters and stats are not stored: they
 * are counted again from the batch records, which are replayed in creation order.
 */
export type StateRecord =
  | { t: 'ids'; ids: number }
  | { t: 'batch'; batch: EmulatedBatch; decisions: Decision[]; ids: number }
  | { t: 'batch-state'; id: string; cancelRequestedAtMs?: number; meta: Record<string, unknown> }
  | { t: 'file'; file: StoredFile; ids: number }
  | { t: 'file-delete'; id: string }
  | { t: 'faults'; faults: FaultConfig };

/** Where a persistent engine keeps its changes (state-log.ts); the engine itself never touches the disk. */
export interface EngineStore {
  /** every record stored so far, oldest first */
  load(): StateRecord[];
  append(record: StateRecord): void;
  /** replaces everything stored with these records (compaction at start, reset) */
  replace(records: StateRecord[]): void;
}

const TERMINAL: readonly EnginePhase[] = ['completed', 'failed', 'expired', 'cancelled'];

/** FNV-1a, 32 bit: a stable, dependency-free hash so fault picks survive restarts. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * FNV-1a alone leaves IDs that differ only in their last characters (request-0, request-1, ...)
 * with nearly the same high bits, so a rate read from them picked all or none of a job. The
 * final mix of MurmurHash3 spreads every input bit over the whole word.
 */
function spread(hash: number): number {
  let h = hash;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Deep-enough copy so later configure() calls never leak into a batch's snapshot. */
function cloneFaults(f: FaultConfig): FaultConfig {
  return { ...f, itemFaults: f.itemFaults.map((r) => ({ ...r })), httpErrors: { ...f.httpErrors }, unknownModels: [...f.unknownModels] };
}

function mergeFaults(base: FaultConfig, patch: Partial<FaultConfig>): FaultConfig {
  const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  return cloneFaults({ ...base, ...defined } as FaultConfig);
}

/**
 * What `times` and rateFaultTimes count submissions of: one item of one job. A durabatch tag ends in
 * `/a<attempt>/c<chunk>` and what comes before it names the job, so a retry counts against the
 * item's earlier submissions while another job's `request-0` starts afresh. Batches without such a
 * tag (other clients; Anthropic's, whose tag is a per-submission digest) are scoped by the request's
 * content instead: resending the same request counts, a new request under a reused custom ID does not.
 */
export function submissionKey(tag: string, item: EmulatedItem): string {
  const job = /^(.+)\/a\d+\/c\d+$/.exec(tag)?.[1];
  if (job !== undefined) return `job:${job}\n${item.customId}`;
  return `content:${fnv1a(JSON.stringify([item.messages, item.jsonSchema ?? null]))}\n${item.customId}`;
}

function ruleMatches(rule: ItemFaultRule, customId: string): boolean {
  return rule.match.endsWith('*') ? customId.startsWith(rule.match.slice(0, -1)) : rule.match === customId;
}

/** Rough token estimate: providers bill ~4 characters per token for English text. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export class BatchEngine {
  faults: FaultConfig;

  private readonly now: () => number;
  private readonly baseFaults: FaultConfig;
  private batches = new Map<string, EmulatedBatch>();
  /** creation sequence, so "newest first" is stable even when two batches share a millisecond */
  private sequence = new Map<string, number>();
  private decisions = new Map<string, Decision[]>();
  private resultCache = new Map<string, EmulatedItemResult[]>();
  private submissions = new Map<string, number>();
  private files = new Map<string, StoredFile>();
  private fileSequence = new Map<string, number>();
  private fileCounter = 0;
  private idCounter = 0;
  private createdCount = 0;
  private byProvider: Record<EmulatedProvider, number> = { openai: 0, anthropic: 0, gemini: 0 };
  private byTag: Record<string, number> = {};
  private readonly store: EngineStore | undefined;

  /**
   * With a store, the stored state is replayed first. A stored fault config is kept (knobs set over
   * the admin API, a storm in progress) and `faults` is applied over it, so a restart with other
   * options changes just those knobs. The store is then compacted to one record per batch and file.
   */
  constructor(opts: { faults?: Partial<FaultConfig>; now?: () => number; store?: EngineStore } = {}) {
    this.now = opts.now ?? Date.now;
    this.baseFaults = mergeFaults(DEFAULT_FAULTS, opts.faults ?? {});
    this.faults = cloneFaults(this.baseFaults);
    this.store = opts.store;
    if (this.store) {
      const stored = this.restore(this.store.load());
      if (stored) this.faults = mergeFaults(mergeFaults(DEFAULT_FAULTS, stored), opts.faults ?? {});
      this.store.replace(this.snapshot());
    }
  }

  /** False for a model the `unknownModels` knob says does not exist (a leading `models/` ignored). */
  knowsModel(model: string): boolean {
    return !this.faults.unknownModels.includes(model.replace(/^models\//, ''));
  }

  configure(patch: Partial<FaultConfig>): FaultConfig {
    this.faults = mergeFaults(this.faults, patch);
    this.faultsChanged();
    return cloneFaults(this.faults);
  }

  reset(): void {
    this.faults = cloneFaults(this.baseFaults);
    this.batches.clear();
    this.sequence.clear();
    this.decisions.clear();
    this.resultCache.clear();
    this.submissions.clear();
    this.files.clear();
    this.fileSequence.clear();
    this.fileCounter = 0;
    this.idCounter = 0;
    this.createdCount = 0;
    this.byProvider = { openai: 0, anthropic: 0, gemini: 0 };
    this.byTag = {};
    this.store?.replace(this.snapshot());
  }

  /** Counter-based so runs are reproducible; the hash suffix makes ids look provider-like. */
  newId(prefix: string): string {
    this.idCounter += 1;
    const n = String(this.idCounter).padStart(4, '0');
    return `${prefix}${n}${fnv1a(`${prefix}${n}`).toString(16).padStart(8, '0')}`;
  }

  /** `tag` may be omitted: it then defaults to the new batch's id (OpenAI batches without a durabatch_tag). */
  create(
    provider: EmulatedProvider,
    input: {
      idPrefix: string;
      tag?: string;
      model: string;
      items: EmulatedItem[];
      meta?: Record<string, unknown>;
      /** this batch (only) fails at validation, e.g. an OpenAI input file with bad lines */
      failValidation?: boolean;
    },
  ): EmulatedBatch {
    const faults = cloneFaults(this.faults);
    if (input.failValidation) faults.batchFailure = true;
    const id = this.newId(input.idPrefix);
    const batch: EmulatedBatch = {
      id,
      provider,
      tag: input.tag ?? id,
      model: input.model,
      createdAtMs: this.now(),
      items: input.items,
      faults,
      meta: input.meta ?? {},
    };
    // Submissions are counted at create time, per job, so `times` means "the first N batches this
    // job sent the ID in" no matter when (or whether) anyone reads the results.
    const decisions = input.items.map((item) => {
      const key = submissionKey(batch.tag, item);
      const submission = (this.submissions.get(key) ?? 0) + 1;
      this.submissions.set(key, submission);
      return this.decide(item.customId, submission, faults);
    });
    this.register(batch, decisions);
    // Stored before the create call answers: a client whose answer is lost to a restart finds it.
    this.store?.append({ t: 'batch', batch, decisions, ids: this.idCounter });
    return batch;
  }

  /** Routes call this after changing a batch's `meta`, so the change is stored. */
  updated(batch: EmulatedBatch): void {
    this.store?.append({ t: 'batch-state', id: batch.id, cancelRequestedAtMs: batch.cancelRequestedAtMs, meta: batch.meta });
  }

  get(id: string): EmulatedBatch | undefined {
    return this.batches.get(id);
  }

  list(provider: EmulatedProvider): EmulatedBatch[] {
    return [...this.batches.values()]
      .filter((b) => b.provider === provider)
      .sort((a, b) => this.sequence.get(b.id)! - this.sequence.get(a.id)!);
  }

  phase(batch: EmulatedBatch): EnginePhase {
    const t = this.now();
    const f = batch.faults;
    if (batch.cancelRequestedAtMs !== undefined) {
      return t >= batch.cancelRequestedAtMs + f.cancellingMs ? 'cancelled' : 'cancelling';
    }
    const elapsed = t - batch.createdAtMs;
    if (elapsed < f.validatingMs) return 'validating';
    if (f.batchFailure) return 'failed';
    if (elapsed < f.validatingMs + f.processingMs) return 'in_progress';
    if (f.expire) return 'expired';
    if (elapsed < f.validatingMs + f.processingMs + f.finalizingMs) return 'finalizing';
    return 'completed';
  }

  progress(batch: EmulatedBatch): { total: number; done: number; failed: number } {
    const finished = this.finishedIndexes(batch, this.now());
    const decisions = this.decisions.get(batch.id) ?? [];
    const failed = finished.filter((i) => decisions[i] === 'error').length;
    return { total: batch.items.length, done: finished.length, failed };
  }

  timestamps(batch: EmulatedBatch): {
    inProgressAtMs?: number;
    finalizingAtMs?: number;
    endedAtMs?: number;
    cancellingAtMs?: number;
  } {
    const f = batch.faults;
    const now = this.now();
    // Nothing natural happens after a cancel request: the cancel path owns the rest of the walk.
    const horizon = Math.min(now, batch.cancelRequestedAtMs ?? Infinity);
    const inProgressAt = batch.createdAtMs + f.validatingMs;
    const finalizingAt = inProgressAt + f.processingMs;
    const out: ReturnType<BatchEngine['timestamps']> = {};
    if (!f.batchFailure && horizon >= inProgressAt) out.inProgressAtMs = inProgressAt;
    if (!f.batchFailure && !f.expire && horizon >= finalizingAt) out.finalizingAtMs = finalizingAt;
    if (batch.cancelRequestedAtMs !== undefined) out.cancellingAtMs = batch.cancelRequestedAtMs;
    const phase = this.phase(batch);
    if (TERMINAL.includes(phase)) out.endedAtMs = this.endedAt(batch, phase);
    return out;
  }

  cancel(batch: EmulatedBatch): void {
    if (batch.cancelRequestedAtMs !== undefined) return;
    if (TERMINAL.includes(this.phase(batch))) return;
    batch.cancelRequestedAtMs = this.now();
    this.updated(batch);
  }

  results(batch: EmulatedBatch): EmulatedItemResult[] | undefined {
    const cached = this.resultCache.get(batch.id);
    if (cached) return cached;
    const phase = this.phase(batch);
    if (!TERMINAL.includes(phase)) return undefined;
    let results: EmulatedItemResult[];
    if (phase === 'failed') {
      results = [];
    } else {
      const finished = new Set(this.finishedIndexes(batch, this.endedAt(batch, phase)));
      const decisions = this.decisions.get(batch.id) ?? [];
      results = batch.items.map((item, i): EmulatedItemResult => {
        if (finished.has(i)) return this.resultFor(item, decisions[i] ?? 'ok');
        return { customId: item.customId, kind: phase === 'expired' ? 'expired' : 'cancelled' };
      });
    }
    this.resultCache.set(batch.id, results);
    return results;
  }

  takeHttpFault(): HttpFaultStatus | undefined {
    const { status, count } = this.faults.httpErrors;
    // `!(count > 0)` also covers a patch that left count out (undefined/NaN): no fault.
    if (!(count > 0)) return undefined;
    this.faults.httpErrors = { status, count: count - 1 };
    this.faultsChanged();
    return status === 500 || status === 401 ? status : 429;
  }

  /** Consumes one `stallDownloads` fault: true when this download must stall. */
  takeStallFault(): boolean {
    if (!(this.faults.stallDownloads > 0)) return false;
    this.faults.stallDownloads -= 1;
    this.faultsChanged();
    return true;
  }

  /** Consumes one `createErrors` fault: true when this create must fail. */
  takeCreateFault(): boolean {
    if (!(this.faults.createErrors > 0)) return false;
    this.faults.createErrors -= 1;
    this.faultsChanged();
    return true;
  }

  stats(): { batchesCreated: number; byProvider: Record<EmulatedProvider, number>; byTag: Record<string, number> } {
    return { batchesCreated: this.createdCount, byProvider: { ...this.byProvider }, byTag: { ...this.byTag } };
  }

  putFile(file: Omit<StoredFile, 'createdAtMs'> & { createdAtMs?: number }): void {
    const stored: StoredFile = { ...file, createdAtMs: file.createdAtMs ?? this.now() };
    this.addFile(stored);
    this.store?.append({ t: 'file', file: stored, ids: this.idCounter });
  }

  getFile(id: string): StoredFile | undefined {
    return this.files.get(id);
  }

  /** newest first */
  listFiles(provider: EmulatedProvider): StoredFile[] {
    return [...this.files.values()]
      .filter((f) => f.provider === provider)
      .sort((a, b) => b.createdAtMs - a.createdAtMs || this.fileSequence.get(b.id)! - this.fileSequence.get(a.id)!);
  }

  deleteFile(id: string): boolean {
    this.fileSequence.delete(id);
    const deleted = this.files.delete(id);
    if (deleted) this.store?.append({ t: 'file-delete', id });
    return deleted;
  }

  /** The whole state as records, oldest first: what a store is compacted to. */
  snapshot(): StateRecord[] {
    const batches = [...this.batches.values()].sort((a, b) => this.sequence.get(a.id)! - this.sequence.get(b.id)!);
    const files = [...this.files.values()].sort((a, b) => this.fileSequence.get(a.id)! - this.fileSequence.get(b.id)!);
    return [
      { t: 'ids', ids: this.idCounter },
      ...batches.map((batch): StateRecord => ({ t: 'batch', batch, decisions: this.decisions.get(batch.id) ?? [], ids: this.idCounter })),
      ...files.map((file): StateRecord => ({ t: 'file', file, ids: this.idCounter })),
      { t: 'faults', faults: this.faults },
    ];
  }

  // ---- internals -------------------------------------------------------------------------------

  private register(batch: EmulatedBatch, decisions: Decision[]): void {
    this.batches.set(batch.id, batch);
    this.sequence.set(batch.id, this.createdCount);
    this.decisions.set(batch.id, decisions);
    this.createdCount += 1;
    this.byProvider[batch.provider] += 1;
    this.byTag[batch.tag] = (this.byTag[batch.tag] ?? 0) + 1;
  }

  private addFile(file: StoredFile): void {
    this.files.set(file.id, file);
    this.fileCounter += 1;
    this.fileSequence.set(file.id, this.fileCounter);
  }

  private faultsChanged(): void {
    this.store?.append({ t: 'faults', faults: this.faults });
  }

  /** Replays stored records (oldest first); returns the last stored fault config, if any. */
  private restore(records: StateRecord[]): FaultConfig | undefined {
    let faults: FaultConfig | undefined;
    for (const r of records) {
      if ('ids' in r) this.idCounter = Math.max(this.idCounter, r.ids);
      switch (r.t) {
        case 'batch':
          if (this.batches.has(r.batch.id)) break;
          // The submission counters, recounted: what create() added for this batch's items.
          for (const item of r.batch.items) {
            const key = submissionKey(r.batch.tag, item);
            this.submissions.set(key, (this.submissions.get(key) ?? 0) + 1);
          }
          this.register(r.batch, r.decisions);
          break;
        case 'batch-state': {
          const batch = this.batches.get(r.id);
          if (!batch) break;
          batch.cancelRequestedAtMs = r.cancelRequestedAtMs;
          batch.meta = r.meta;
          break;
        }
        case 'file':
          this.addFile(r.file);
          break;
        case 'file-delete':
          this.files.delete(r.id);
          this.fileSequence.delete(r.id);
          break;
        case 'faults':
          faults = r.faults;
          break;
      }
    }
    return faults;
  }

  /**
   * Rule first (it owns its IDs entirely: once `times` is used up the item succeeds), then the rates.
   * The three rates occupy consecutive bands of [0,1) so one hash never picks two faults.
   */
  private decide(customId: string, submission: number, f: FaultConfig): Decision {
    const rule = f.itemFaults.find((r) => ruleMatches(r, customId));
    if (rule) return submission <= (rule.times ?? Infinity) ? rule.fault : 'ok';
    if (submission > f.rateFaultTimes) return 'ok';
    const u = spread(fnv1a(customId)) / 0x1_0000_0000;
    if (u < f.itemErrorRate) return 'error';
    if (u < f.itemErrorRate + f.invalidJsonRate) return 'invalid_json';
    if (u < f.itemErrorRate + f.invalidJsonRate + f.schemaMismatchRate) return 'schema_mismatch';
    return 'ok';
  }

  /** Item i of n finishes at validating + processing*(i+1)/n; in expire mode only the first half ever do. */
  private finishedIndexes(batch: EmulatedBatch, atMs: number): number[] {
    const f = batch.faults;
    if (f.batchFailure) return [];
    const horizon = Math.min(atMs, batch.cancelRequestedAtMs ?? Infinity) - batch.createdAtMs;
    const n = batch.items.length;
    const limit = f.expire ? Math.floor(n / 2) : n;
    const out: number[] = [];
    for (let i = 0; i < limit; i++) {
      if (horizon >= f.validatingMs + (f.processingMs * (i + 1)) / n) out.push(i);
      else break;
    }
    return out;
  }

  private endedAt(batch: EmulatedBatch, phase: EnginePhase): number {
    const f = batch.faults;
    const start = batch.createdAtMs;
    switch (phase) {
      case 'cancelled':
        return batch.cancelRequestedAtMs! + f.cancellingMs;
      case 'failed':
        return start + f.validatingMs;
      case 'expired':
        return start + f.validatingMs + f.processingMs;
      default:
        return start + f.validatingMs + f.processingMs + f.finalizingMs;
    }
  }

  private resultFor(item: EmulatedItem, decision: Decision): EmulatedItemResult {
    const customId = item.customId;
    if (decision === 'error') {
      return {
        customId,
        kind: 'error',
        status: 500,
        code: 'server_error',
        message: 'The server had an error while processing your request. Sorry about that!',
      };
    }
    const inputTokens = estimateTokens(item.messages.map((m) => m.content).join('\n'));
    const ok = (text: string, finish: 'stop' | 'length' | 'refusal'): EmulatedItemResult => ({
      customId,
      kind: 'ok',
      text,
      finish,
      usage: { inputTokens, outputTokens: estimateTokens(text) },
    });
    switch (decision) {
      case 'invalid_json':
        return ok(notJsonFor(item.messages), 'stop');
      case 'schema_mismatch':
        return ok(mismatchFor(item.messages, item.jsonSchema), 'stop');
      case 'refusal':
        return ok(refusalText(), 'refusal');
      case 'truncated':
        return ok(truncate(answerFor(item.messages, item.jsonSchema)), 'length');
      default: {
        const text = answerFor(item.messages, item.jsonSchema);
        // A real model stops at max_tokens; do the same so small limits behave realistically.
        if (item.maxTokens !== undefined && estimateTokens(text) > item.maxTokens) {
          return ok(text.slice(0, Math.max(1, item.maxTokens * 4 - 1)), 'length');
        }
        return ok(text, 'stop');
      }
    }
  }
}
