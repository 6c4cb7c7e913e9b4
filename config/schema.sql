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

-- One row per report date (YYYY-MM-DD): the ministry's post of that morning.
CREATE TABLE IF NOT EXISTS report (
    date       TEXT PRIMARY KEY,
    revision   INTEGER NOT NULL DEFAULT 1,
    stored_at  TEXT NOT NULL,             -- ISO 8601 UTC
    source_url TEXT
) WITHOUT ROWID;

-- The cumulative total of one category in one report, with the ministry's qualifier.
CREATE TABLE IF NOT EXISTS report_value (
    date      TEXT NOT NULL REFERENCES report(date) ON DELETE CASCADE,
    category  TEXT NOT NULL REFERENCES category(id),
    total     INTEGER NOT NULL CHECK (total >= 0),
    qualifier TEXT,
    PRIMARY KEY (date, category)
) WITHOUT ROWID;

-- Earlier states of a report, kept when it is replaced (PUT /v1/reports/{date}).
CREATE TABLE IF NOT EXISTS report_revision (
    date       TEXT NOT NULL,
    revision   INTEGER NOT NULL,
    stored_at  TEXT NOT NULL,
    totals     TEXT NOT NULL,   -- JSON object {category: total}
    qualifiers TEXT NOT NULL,   -- JSON object {category: qualifier}
    source_url TEXT,
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
CREATE TABLE IF NOT EXISTS deployment (
    id          INTEGER PRIMARY KEY,
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
