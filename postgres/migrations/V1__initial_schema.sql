-- milmed's schema: scenarios, API keys and their usage, jobs (a queue with leases) and
-- patients (partitioned by month of job creation). docs/postgres.md explains each table
-- and the queries its indexes serve.

-- Named, versioned scenario configurations. A new version is a new row with the same
-- name, the next version number and the previous row as parent.
CREATE TABLE scenarios (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    version     integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    parent_id   bigint      REFERENCES scenarios (id) ON DELETE SET NULL,
    body        jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name, version)
);

-- API keys, stored as the SHA-256 of the key; `prefix` is a short display form.
CREATE TABLE api_keys (
    id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_hash                  bytea       NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
    prefix                    text        NOT NULL,
    name                      text        NOT NULL,
    tier                      text        NOT NULL,
    is_demo                   boolean     NOT NULL DEFAULT false,
    max_patients_per_request  bigint      NOT NULL CHECK (max_patients_per_request >= 0),
    max_requests_per_minute   integer     CHECK (max_requests_per_minute >= 0),
    max_requests_per_hour     integer     CHECK (max_requests_per_hour >= 0),
    max_requests_per_day      integer     CHECK (max_requests_per_day >= 0),
    active                    boolean     NOT NULL DEFAULT true,
    expires_at                timestamptz,
    last_used_at              timestamptz,
    created_at                timestamptz NOT NULL DEFAULT now()
);

-- Requests and patients per key and window. `window_kind` is 'minute', 'hour' or 'day';
-- `window_start` the start of that minute, hour or (UTC) day. The day rows are the usage
-- counters; all three are checked and incremented in one statement per request.
CREATE TABLE api_key_usage (
    key_id        bigint      NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    window_kind   text        NOT NULL CHECK (window_kind IN ('minute', 'hour', 'day')),
    window_start  timestamptz NOT NULL,
    requests      bigint      NOT NULL DEFAULT 0,
    patients      bigint      NOT NULL DEFAULT 0,
    PRIMARY KEY (key_id, window_kind, window_start)
);

-- Generation jobs: a queue that several instances claim from. A running job holds a
-- lease (owner instance and expiry) that its instance renews; a job whose lease expired
-- is queued again (its output is deterministic, so running it again is safe).
CREATE TABLE jobs (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_key_id      bigint      REFERENCES api_keys (id) ON DELETE SET NULL,
    status            text        NOT NULL DEFAULT 'queued'
                      CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
    priority          smallint    NOT NULL DEFAULT 1 CHECK (priority BETWEEN 0 AND 2),
    scenario_id       bigint      REFERENCES scenarios (id) ON DELETE SET NULL,
    scenario          jsonb       NOT NULL,
    -- The u64 seed's bits, as a signed 64-bit integer.
    seed              bigint      NOT NULL,
    range_start       bigint      NOT NULL CHECK (range_start >= 0),
    range_end         bigint      NOT NULL CHECK (range_end >= range_start),
    formats           text[]      NOT NULL,
    budget            jsonb       NOT NULL DEFAULT '{}',
    persist_patients  boolean     NOT NULL DEFAULT false,
    patients_done     bigint      NOT NULL DEFAULT 0,
    bytes_done        bigint      NOT NULL DEFAULT 0,
    error             text,
    summary           jsonb,
    created_at        timestamptz NOT NULL DEFAULT now(),
    started_at        timestamptz,
    finished_at       timestamptz,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    lease_owner       text,
    lease_expires_at  timestamptz,
    attempt           integer     NOT NULL DEFAULT 0
);

-- The next job to claim: highest priority (0) first, then oldest.
CREATE INDEX jobs_queue ON jobs (priority, created_at, id) WHERE status = 'queued';
-- A key's jobs, newest first (keyset pagination).
CREATE INDEX jobs_by_owner ON jobs (owner_key_id, id DESC);
-- Running jobs by lease expiry, to re-queue those of crashed instances.
CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE status = 'running';
-- Retention: jobs by age.
CREATE INDEX jobs_by_age ON jobs (created_at);

-- Generated patients, one row each: typed columns for what people query, the whole
-- record as JSONB. Partitioned by month of the job's creation, so retention drops whole
-- partitions; milmed creates partitions ahead of need.
CREATE TABLE patients (
    job_created_at  timestamptz NOT NULL,
    job_id          bigint      NOT NULL,
    index           bigint      NOT NULL,
    injury_time     timestamptz NOT NULL,
    nationality     text        NOT NULL,
    front           text        NOT NULL,
    injury_type     text        NOT NULL,
    triage          text        NOT NULL,
    outcome         text        NOT NULL,
    last_facility   text        NOT NULL,
    -- lz4: TOAST compresses the ~3.6 KB records several times faster than pglz.
    record          jsonb       COMPRESSION lz4 NOT NULL,
    PRIMARY KEY (job_created_at, job_id, index)
) PARTITION BY RANGE (job_created_at);

CREATE INDEX patients_by_job_outcome ON patients (job_id, outcome);
CREATE INDEX patients_by_job_triage ON patients (job_id, triage);
