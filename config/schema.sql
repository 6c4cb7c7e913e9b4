-- attrition schema, version 4. Applied by store_open() on a new database; PRAGMA user_version
-- holds the version so that later releases can migrate an older file step by step.
PRAGMA foreign_keys = ON;

-- Key/value facts about the data: data_version (bumped by every write transaction),
-- last_modified (unix seconds of the last data change).
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS category (
    id          TEXT PRIMARY KEY,
    label       TEXT NOT NULL,
    unit        TEXT,
    sort        INTEGER NOT NULL,
    replaced_by TEXT REFERENCES category(id),
    seeded      INTEGER NOT NULL DEFAULT 0   -- 1: from config/categories.json, 0: learnt from data
);

-- Every spelling that names a category: dataset keys ("APC"), post labels
-- ("armoured combat vehicles"), the id itself. Matched case-insensitively.
CREATE TABLE IF NOT EXISTS category_alias (
    alias    TEXT PRIMARY KEY COLLATE NOCASE,
    category TEXT NOT NULL REFERENCES category(id)
) WITHOUT ROWID;

-- One row per report date (YYYY-MM-DD): the ministry's post of that morning. written_by:
-- who wrote the current version: 'post', 'put' (the API), 'import FILE', 'sync URL'; NULL for
-- versions stored before schema 2. A report whose version came from the API is never
-- changed by import or sync (their differing values are kept in sync_disagreement).
CREATE TABLE IF NOT EXISTS report (
    date       TEXT PRIMARY KEY,
    revision   INTEGER NOT NULL DEFAULT 1,
    stored_at  TEXT NOT NULL,             -- ISO 8601 UTC
    source_url TEXT,
    written_by TEXT
) WITHOUT ROWID;

-- The cumulative total of one category in one report, with the ministry's qualifier.
CREATE TABLE IF NOT EXISTS report_value (
    date      TEXT NOT NULL REFERENCES report(date) ON DELETE CASCADE,
    category  TEXT NOT NULL REFERENCES category(id),
    total     INTEGER NOT NULL CHECK (total >= 0),
    qualifier TEXT,
    PRIMARY KEY (date, category)
) WITHOUT ROWID;

-- Earlier states of a report, kept whenever one of its stored values is changed (PUT, or
-- an import or sync bringing an upstream correction): the version as it was, and who
-- wrote that version (written_by, as report.written_by).
CREATE TABLE IF NOT EXISTS report_revision (
    date       TEXT NOT NULL,
    revision   INTEGER NOT NULL,
    stored_at  TEXT NOT NULL,
    totals     TEXT NOT NULL,   -- JSON object {category: total}
    qualifiers TEXT NOT NULL,   -- JSON object {category: qualifier}
    source_url TEXT,
    written_by TEXT,
    PRIMARY KEY (date, revision)
) WITHOUT ROWID;

-- The dataset author's notes of corrections (russia_losses_equipment_correction.json).
CREATE TABLE IF NOT EXISTS correction_note (
    date     TEXT NOT NULL,
    category TEXT NOT NULL REFERENCES category(id),
    amount   INTEGER NOT NULL,
    PRIMARY KEY (date, category)
) WITHOUT ROWID;

-- Published estimates of foreign troops deployed to a party of the war.
-- AUTOINCREMENT: an id is never given twice, not even after its estimate was deleted.
CREATE TABLE IF NOT EXISTS deployment (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    country     TEXT NOT NULL,             -- ISO 3166-1 alpha-2
    deployed_to TEXT NOT NULL,             -- ISO 3166-1 alpha-2
    figure      INTEGER NOT NULL CHECK (figure >= 0),
    low         INTEGER,
    high        INTEGER,
    kind        TEXT NOT NULL CHECK (kind IN ('reported', 'confirmed', 'projection')),
    as_of       TEXT NOT NULL,             -- YYYY-MM-DD
    target_date TEXT,                      -- YYYY-MM-DD, projections only
    description TEXT,
    source_name TEXT NOT NULL,
    source_url  TEXT
);
CREATE INDEX IF NOT EXISTS deployment_pair ON deployment (country, deployed_to, as_of);

-- Tombstones: the ids of deleted estimates (exported, so that an import deletes them too).
CREATE TABLE IF NOT EXISTS deployment_deleted (
    id         INTEGER PRIMARY KEY,
    deleted_at TEXT NOT NULL              -- ISO 8601 UTC
);

-- `attrition sync`: the validators of every URL fetched, so that an unchanged upstream costs
-- one conditional request (304) per file.
CREATE TABLE IF NOT EXISTS sync_url (
    url           TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT,                  -- as the upstream sent it (HTTP date)
    fetched_at    INTEGER NOT NULL       -- unix seconds
) WITHOUT ROWID;

-- How many sync rounds ended with each outcome, and the last of them.
CREATE TABLE IF NOT EXISTS sync_outcome (
    outcome TEXT PRIMARY KEY CHECK (outcome IN ('changed', 'unchanged', 'failed')),
    total   INTEGER NOT NULL,
    last_at INTEGER NOT NULL,            -- unix seconds
    detail  TEXT NOT NULL                -- one line: what the round did
) WITHOUT ROWID;

-- Version 3: what the ministry dataset's files hold besides the totals, so that /dataset/
-- gives each file back as it was (core/dataset_export.c). Older databases get these tables
-- empty (core/store.c, the step to version 3): their reports are written in the default
-- layout.
-- The keys of each entry of a dataset file, in their order, and the entry's own "day".
CREATE TABLE IF NOT EXISTS dataset_entry (
    file TEXT NOT NULL CHECK (file IN ('personnel', 'equipment', 'correction')),
    date TEXT NOT NULL,
    day  INTEGER,
    keys TEXT NOT NULL,    -- JSON array of the entry's keys, "date" and "day" included
    PRIMARY KEY (file, date)
) WITHOUT ROWID;

-- Text annotations of a report date ("greatest losses direction": "Donetsk and Kurakhove").
CREATE TABLE IF NOT EXISTS report_annotation (
    date  TEXT NOT NULL,
    key   TEXT NOT NULL,   -- the dataset's key, as written there
    value TEXT NOT NULL,
    PRIMARY KEY (date, key)
) WITHOUT ROWID;

-- Values an upstream (import or sync) holds that differ from a report written through the
-- API, which import and sync never change: kept for the operator to apply with PUT.
-- stored is NULL when the report has no value for the category.
CREATE TABLE IF NOT EXISTS sync_disagreement (
    date     TEXT NOT NULL,
    category TEXT NOT NULL,
    source   TEXT NOT NULL,              -- 'import FILE' or 'sync URL'
    stored   INTEGER,
    upstream INTEGER NOT NULL,
    seen_at  INTEGER NOT NULL,           -- unix seconds
    PRIMARY KEY (date, category, source)
) WITHOUT ROWID;

-- Webhook deliveries (schema version 4): one row per configured URL and new or changed
-- report, written before the first attempt, so that a restart loses nothing; marked done
-- once delivered or given up and removed a day later (server/webhook.c,
-- core/webhook_queue.c). Every serve process on the file sees the change and queues it:
-- event_key makes the first one count, and a delivery is leased (next_at moved on) by the
-- process that attempts it.
CREATE TABLE IF NOT EXISTS webhook_delivery (
    id         INTEGER PRIMARY KEY,
    event_key  TEXT NOT NULL UNIQUE,     -- "<url> <report date> <data version>"
    url        TEXT NOT NULL,            -- where to POST (the entry without slack:/discord:)
    body       TEXT NOT NULL,            -- the JSON to POST, ready (signed when sent)
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    INTEGER NOT NULL,         -- unix seconds: not before
    created_at INTEGER NOT NULL,         -- unix seconds
    done_at    INTEGER,                  -- unix seconds: delivered or given up; NULL: pending
    last_error TEXT                      -- why the last attempt failed
);
CREATE INDEX IF NOT EXISTS webhook_delivery_due ON webhook_delivery (done_at, next_at);
