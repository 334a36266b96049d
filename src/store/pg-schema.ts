import type { ClientBase } from 'pg';

/**
 * The PostgreSQL store's schema, as numbered migrations: `MIGRATIONS[i]` brings a database at
 * version `i` to version `i + 1`. Applied versions are recorded in `durabatch_schema_version`, so a
 * migration runs once per database; new ones are appended, never edited.
 *
 * Users query `durabatch_outcomes` directly, so every table and column carries a COMMENT.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE durabatch_schema_version (
    version    integer PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
  );
  COMMENT ON TABLE durabatch_schema_version IS 'durabatch: schema migrations applied to this database.';
  COMMENT ON COLUMN durabatch_schema_version.version IS 'Migration number.';
  COMMENT ON COLUMN durabatch_schema_version.applied_at IS 'When it was applied.';

  CREATE TABLE durabatch_store (
    id         text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  -- A second identity row would make "which store is this" ambiguous.
  CREATE UNIQUE INDEX durabatch_store_one_row ON durabatch_store ((true));
  INSERT INTO durabatch_store (id) VALUES (gen_random_uuid()::text);
  COMMENT ON TABLE durabatch_store IS 'durabatch: this store''s identity (one row). Workers and clients check it so a job never mixes data of two stores.';
  COMMENT ON COLUMN durabatch_store.id IS 'Random UUID made when the store was first used.';
  COMMENT ON COLUMN durabatch_store.created_at IS 'When the store was first used.';

  CREATE TABLE durabatch_request_sets (
    set_id      bigserial PRIMARY KEY,
    job_id      text NOT NULL,
    digest      text,
    count       integer NOT NULL DEFAULT 0,
    bytes       bigint NOT NULL DEFAULT 0,
    provider    text,
    model       text,
    schema_name text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- NULL digests (sets still being written) never collide.
    UNIQUE (job_id, digest)
  );
  COMMENT ON TABLE durabatch_request_sets IS 'durabatch: one committed set of a job''s requests (the same requests written twice are one set).';
  COMMENT ON COLUMN durabatch_request_sets.set_id IS 'The set''s key, referenced from Temporal history.';
  COMMENT ON COLUMN durabatch_request_sets.job_id IS 'Job ID (the Temporal workflow ID), verbatim.';
  COMMENT ON COLUMN durabatch_request_sets.digest IS 'sha256 (hex) of the canonical requests in order; NULL only inside the transaction writing the set.';
  COMMENT ON COLUMN durabatch_request_sets.count IS 'Number of requests.';
  COMMENT ON COLUMN durabatch_request_sets.bytes IS 'Bytes of the canonical JSON of the requests.';
  COMMENT ON COLUMN durabatch_request_sets.provider IS 'Provider the job runs on (openai, anthropic, gemini, ...).';
  COMMENT ON COLUMN durabatch_request_sets.model IS 'Model the job runs on.';
  COMMENT ON COLUMN durabatch_request_sets.schema_name IS 'Name of the output schema.';
  COMMENT ON COLUMN durabatch_request_sets.created_at IS 'When the set was written.';

  -- No foreign key to durabatch_request_sets: per-row checks would slow bulk loads, and the store
  -- deletes a set's requests together with the set.
  CREATE TABLE durabatch_requests (
    set_id    bigint NOT NULL,
    idx       integer NOT NULL,
    custom_id text NOT NULL,
    messages  jsonb NOT NULL,
    PRIMARY KEY (set_id, idx)
  );
  COMMENT ON TABLE durabatch_requests IS 'durabatch: the requests of each request set.';
  COMMENT ON COLUMN durabatch_requests.set_id IS 'The set (durabatch_request_sets.set_id).';
  COMMENT ON COLUMN durabatch_requests.idx IS 'Position of the request in the job, from 0.';
  COMMENT ON COLUMN durabatch_requests.custom_id IS 'The request''s custom ID.';
  COMMENT ON COLUMN durabatch_requests.messages IS 'The chat messages: [{"role": ..., "content": ...}, ...].';

  CREATE TABLE durabatch_attempt_items (
    job_id  text NOT NULL,
    attempt integer NOT NULL,
    pos     integer NOT NULL,
    idx     integer NOT NULL,
    PRIMARY KEY (job_id, attempt, pos)
  );
  COMMENT ON TABLE durabatch_attempt_items IS 'durabatch: the items of each attempt after the first (the retryable failures of the attempt before), fixed when the attempt starts.';
  COMMENT ON COLUMN durabatch_attempt_items.job_id IS 'Job ID, verbatim.';
  COMMENT ON COLUMN durabatch_attempt_items.attempt IS 'Attempt number (2, 3, ...; attempt 1 is all requests).';
  COMMENT ON COLUMN durabatch_attempt_items.pos IS 'Position of the item within the attempt, from 0.';
  COMMENT ON COLUMN durabatch_attempt_items.idx IS 'The request (durabatch_requests.idx).';

  CREATE TABLE durabatch_outcomes (
    job_id        text NOT NULL,
    attempt       integer NOT NULL,
    idx           integer NOT NULL,
    chunk         integer NOT NULL,
    custom_id     text NOT NULL,
    ok            boolean NOT NULL,
    retryable     boolean,
    error_type    text,
    error_message text,
    data          jsonb,
    input_tokens  integer,
    output_tokens integer,
    written_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, attempt, idx)
  );
  -- Latest outcome per item: DISTINCT ON (idx) ... ORDER BY idx, attempt DESC.
  CREATE INDEX durabatch_outcomes_latest ON durabatch_outcomes (job_id, idx, attempt DESC);
  -- The items of the next attempt.
  CREATE INDEX durabatch_outcomes_retryable ON durabatch_outcomes (job_id, attempt, idx) WHERE NOT ok AND retryable;
  -- A chunk's rewrite deletes the previous try's rows; without this it would scan the whole attempt.
  CREATE INDEX durabatch_outcomes_chunk ON durabatch_outcomes (job_id, attempt, chunk);
  COMMENT ON TABLE durabatch_outcomes IS 'durabatch: every item''s outcome in every attempt. An item''s result is its row with the highest attempt.';
  COMMENT ON COLUMN durabatch_outcomes.job_id IS 'Job ID, verbatim.';
  COMMENT ON COLUMN durabatch_outcomes.attempt IS 'Attempt number, from 1.';
  COMMENT ON COLUMN durabatch_outcomes.idx IS 'Position of the request in the job (durabatch_requests.idx).';
  COMMENT ON COLUMN durabatch_outcomes.chunk IS 'Chunk (provider batch) of the attempt the outcome came from.';
  COMMENT ON COLUMN durabatch_outcomes.custom_id IS 'The request''s custom ID.';
  COMMENT ON COLUMN durabatch_outcomes.ok IS 'true: data holds the validated result; false: see error_type and error_message.';
  COMMENT ON COLUMN durabatch_outcomes.retryable IS 'For failures: whether the retry policy may re-submit the item.';
  COMMENT ON COLUMN durabatch_outcomes.error_type IS 'For failures: the error type (e.g. invalid_json, provider_error).';
  COMMENT ON COLUMN durabatch_outcomes.error_message IS 'For failures: the error message.';
  COMMENT ON COLUMN durabatch_outcomes.data IS 'For successes: the result, as validated by the output schema.';
  COMMENT ON COLUMN durabatch_outcomes.input_tokens IS 'Input tokens the provider reported, if any.';
  COMMENT ON COLUMN durabatch_outcomes.output_tokens IS 'Output tokens the provider reported, if any.';
  COMMENT ON COLUMN durabatch_outcomes.written_at IS 'When the outcome was stored.';
  `,
  // Version 2: every index costs each COPYed outcome a B-tree insert, and they were most of COPY's
  // cost (100,000 rows: about 1.0 s with four indexes, 0.5 s with the two kept here). One unique
  // index on (job, item, attempt newest first) is the key, the outcomes of job J, and the latest
  // outcome per item; a chunk's rewrite deletes by its item range through it.
  `
  ALTER TABLE durabatch_outcomes DROP CONSTRAINT durabatch_outcomes_pkey;
  DROP INDEX durabatch_outcomes_chunk;
  DROP INDEX durabatch_outcomes_latest;
  CREATE UNIQUE INDEX durabatch_outcomes_latest ON durabatch_outcomes (job_id, idx, attempt DESC);
  `,
];

/** Brings the database to the latest version. Serialised by an advisory lock, so workers may start together. */
export async function migrate(client: ClientBase): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('durabatch_schema', 0))`);
    const { rows } = await client.query<{ present: boolean }>(`SELECT to_regclass('durabatch_schema_version') IS NOT NULL AS present`);
    let applied = 0;
    if (rows[0].present) {
      const res = await client.query<{ version: number }>('SELECT coalesce(max(version), 0) AS version FROM durabatch_schema_version');
      applied = res.rows[0].version;
    }
    for (let version = applied; version < MIGRATIONS.length; version++) {
      await client.query(MIGRATIONS[version]);
      await client.query('INSERT INTO durabatch_schema_version (version) VALUES ($1)', [version + 1]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
