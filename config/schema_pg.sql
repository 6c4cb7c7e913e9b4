-- attrition schema, version 4, for PostgreSQL (config/schema.sql is the SQLite one; keep the
-- two in step). Run by core/db_pg.c in the write transaction of store_open, whose advisory
-- lock makes replicas that start together create it once; meta 'schema_version' holds the
-- version (the row is written by core/db_pg.c). Differences from SQLite's: BIGINT for every
-- integer; text columns compare and sort byte by byte (COLLATE "C", SQLite's BINARY), so
-- that both backends list in the same order; category_alias is unique case-insensitively
-- through an index on lower(alias) (SQLite: COLLATE NOCASE; lower() of a "C" text folds
-- ASCII only, as NOCASE does); deployment ids are given by core (meta 'deployment_next_id'),
-- webhook_delivery ids by an identity column (SQLite: the rowid).
-- Key/value facts about the data: data_version (bumped by every write transaction),
-- last_modified (unix seconds of the last data change).
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT COLLATE "C" PRIMARY KEY,
    value TEXT COLLATE "C" NOT NULL
);

CREATE TABLE IF NOT EXISTS category (
    id          TEXT COLLATE "C" PRIMARY KEY,
    label       TEXT COLLATE "C" NOT NULL,
    unit        TEXT COLLATE "C",
    sort        BIGINT NOT NULL,
    replaced_by TEXT COLLATE "C" REFERENCES category(id),
    seeded      BIGINT NOT NULL DEFAULT 0   -- 1: from config/categories.json, 0: learnt from data
);

-- Every spelling that names a category: dataset keys ("APC"), post labels
-- ("armoured combat vehicles"), the id itself. Matched case-insensitively.
CREATE TABLE IF NOT EXISTS category_alias (
    alias    TEXT COLLATE "C" PRIMARY KEY,
    category TEXT COLLATE "C" NOT NULL REFERENCES category(id)
);
CREATE UNIQUE INDEX IF NOT EXISTS category_alias_nocase ON category_alias (lower(alias));

-- One row per report date (YYYY-MM-DD): the ministry's post of that morning. written_by:
-- who wrote the current version: 'post', 'put' (the API), 'import FILE', 'sync URL'; NULL for
-- versions stored before schema 2. A report whose version came from the API is never
-- changed by import or sync (their differing values are kept in sync_disagreement).
CREATE TABLE IF NOT EXISTS report (
    date       TEXT COLLATE "C" PRIMARY KEY,
    revision   BIGINT NOT NULL DEFAULT 1,
    stored_at  TEXT COLLATE "C" NOT NULL,             -- ISO 8601 UTC
    source_url TEXT COLLATE "C",
    written_by TEXT COLLATE "C"
);

-- The cumulative total of one category in one report, with the ministry's qualifier.
CREATE TABLE IF NOT EXISTS report_value (
    date      TEXT COLLATE "C" NOT NULL REFERENCES report(date) ON DELETE CASCADE,
    category  TEXT COLLATE "C" NOT NULL REFERENCES category(id),
    total     BIGINT NOT NULL CHECK (total >= 0),
    qualifier TEXT COLLATE "C",
    PRIMARY KEY (date, category)
);

-- Earlier states of a report, kept whenever one of its stored values is changed (PUT, or
-- an import or sync bringing an upstream correction): the version as it was, and who
-- wrote that version (written_by, as report.written_by).
CREATE TABLE IF NOT EXISTS report_revision (
    date       TEXT COLLATE "C" NOT NULL,
    revision   BIGINT NOT NULL,
    stored_at  TEXT COLLATE "C" NOT NULL,
    totals     TEXT COLLATE "C" NOT NULL,   -- JSON object {category: total}
    qualifiers TEXT COLLATE "C" NOT NULL,   -- JSON object {category: qualifier}
    source_url TEXT COLLATE "C",
    written_by TEXT COLLATE "C",
    PRIMARY KEY (date, revision)
);

-- The dataset author's notes of corrections (russia_losses_equipment_correction.json).
CREATE TABLE IF NOT EXISTS correction_note (
    date     TEXT COLLATE "C" NOT NULL,
    category TEXT COLLATE "C" NOT NULL REFERENCES category(id),
    amount   BIGINT NOT NULL,
    PRIMARY KEY (date, category)
);

-- Published estimates of foreign troops deployed to a party of the war.
-- Ids come from meta 'deployment_next_id' (core/deploy_db.c): never given twice.
CREATE TABLE IF NOT EXISTS deployment (
    id          BIGINT PRIMARY KEY,
    country     TEXT COLLATE "C" NOT NULL,             -- ISO 3166-1 alpha-2
    deployed_to TEXT COLLATE "C" NOT NULL,             -- ISO 3166-1 alpha-2
    figure      BIGINT NOT NULL CHECK (figure >= 0),
    low         BIGINT,
    high        BIGINT,
    kind        TEXT COLLATE "C" NOT NULL CHECK (kind IN ('reported', 'confirmed', 'projection')),
    as_of       TEXT COLLATE "C" NOT NULL,             -- YYYY-MM-DD
    target_date TEXT COLLATE "C",                      -- YYYY-MM-DD, projections only
    description TEXT COLLATE "C",
    source_name TEXT COLLATE "C" NOT NULL,
    source_url  TEXT COLLATE "C"
);
CREATE INDEX IF NOT EXISTS deployment_pair ON deployment (country, deployed_to, as_of);

-- Tombstones: the ids of deleted estimates (exported, so that an import deletes them too).
CREATE TABLE IF NOT EXISTS deployment_deleted (
    id         BIGINT PRIMARY KEY,
    deleted_at TEXT COLLATE "C" NOT NULL              -- ISO 8601 UTC
);

-- `attrition sync`: the validators of every URL fetched, so that an unchanged upstream costs
-- one conditional request (304) per file.
CREATE TABLE IF NOT EXISTS sync_url (
    url           TEXT COLLATE "C" PRIMARY KEY,
    etag          TEXT COLLATE "C",
    last_modified TEXT COLLATE "C",                  -- as the upstream sent it (HTTP date)
    fetched_at    BIGINT NOT NULL       -- unix seconds
);

-- How many sync rounds ended with each outcome, and the last of them.
CREATE TABLE IF NOT EXISTS sync_outcome (
    outcome TEXT COLLATE "C" PRIMARY KEY CHECK (outcome IN ('changed', 'unchanged', 'failed')),
    total   BIGINT NOT NULL,
    last_at BIGINT NOT NULL,            -- unix seconds
    detail  TEXT COLLATE "C" NOT NULL                -- one line: what the round did
);

-- Version 3: what the ministry dataset's files hold besides the totals, so that /dataset/
-- gives each file back as it was (core/dataset_export.c). Older databases get these tables
-- empty (core/store.c, the step to version 3): their reports are written in the default
-- layout.
-- The keys of each entry of a dataset file, in their order, and the entry's own "day".
CREATE TABLE IF NOT EXISTS dataset_entry (
    file TEXT COLLATE "C" NOT NULL CHECK (file IN ('personnel', 'equipment', 'correction')),
    date TEXT COLLATE "C" NOT NULL,
    day  BIGINT,
    keys TEXT COLLATE "C" NOT NULL,    -- JSON array of the entry's keys, "date" and "day" included
    PRIMARY KEY (file, date)
);

-- Text annotations of a report date ("greatest losses direction": "Donetsk and Kurakhove").
CREATE TABLE IF NOT EXISTS report_annotation (
    date  TEXT COLLATE "C" NOT NULL,
    key   TEXT COLLATE "C" NOT NULL,   -- the dataset's key, as written there
    value TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (date, key)
);

-- Values an upstream (import or sync) holds that differ from a report written through the
-- API, which import and sync never change: kept for the operator to apply with PUT.
-- stored is NULL when the report has no value for the category.
CREATE TABLE IF NOT EXISTS sync_disagreement (
    date     TEXT COLLATE "C" NOT NULL,
    category TEXT COLLATE "C" NOT NULL,
    source   TEXT COLLATE "C" NOT NULL,              -- 'import FILE' or 'sync URL'
    stored   BIGINT,
    upstream BIGINT NOT NULL,
    seen_at  BIGINT NOT NULL,           -- unix seconds
    PRIMARY KEY (date, category, source)
);

-- Webhook deliveries (schema version 4): one row per configured URL and new or changed
-- report, written before the first attempt, so that a restart loses nothing; marked done
-- once delivered or given up and removed a day later (server/webhook.c,
-- core/webhook_queue.c). Every serve process on the file sees the change and queues it:
-- event_key makes the first one count, and a delivery is leased (next_at moved on) by the
-- process that attempts it.
CREATE TABLE IF NOT EXISTS webhook_delivery (
    id         BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    event_key  TEXT COLLATE "C" NOT NULL UNIQUE,     -- "<url> <report date> <data version>"
    url        TEXT COLLATE "C" NOT NULL,            -- where to POST (the entry without slack:/discord:)
    body       TEXT COLLATE "C" NOT NULL,            -- the JSON to POST, ready (signed when sent)
    attempts   BIGINT NOT NULL DEFAULT 0,
    next_at    BIGINT NOT NULL,         -- unix seconds: not before
    created_at BIGINT NOT NULL,         -- unix seconds
    done_at    BIGINT,                  -- unix seconds: delivered or given up; NULL: pending
    last_error TEXT COLLATE "C"                      -- why the last attempt failed
);
CREATE INDEX IF NOT EXISTS webhook_delivery_due ON webhook_delivery (done_at, next_at);
