-- The national interface (POST /hsa/...): every warning issued to a counter, under its
-- jr_id, and what the institution answered about it (3103: continued or went back).
CREATE TABLE hsa_warnings (
    jr_id          TEXT PRIMARY KEY,
    at             TEXT NOT NULL,
    username       TEXT NOT NULL,
    region         TEXT NOT NULL,
    fixmedins_code TEXT NOT NULL,
    infno          TEXT NOT NULL,
    msgid          TEXT NOT NULL,
    rule_id        TEXT NOT NULL,
    psn_no         TEXT,
    patn_id        TEXT,
    mdtrt_id       TEXT
);
CREATE INDEX hsa_warnings_by_institution ON hsa_warnings (fixmedins_code, at);
CREATE TABLE hsa_feedback (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             TEXT NOT NULL,
    username       TEXT NOT NULL,
    region         TEXT NOT NULL,
    fixmedins_code TEXT NOT NULL,
    msgid          TEXT NOT NULL,
    jr_id          TEXT NOT NULL REFERENCES hsa_warnings (jr_id),
    warn_type      INTEGER NOT NULL,
    dspo_way       INTEGER NOT NULL CHECK (dspo_way IN (1, 2)),
    dspo_way_rea   TEXT
);
CREATE INDEX hsa_feedback_by_region ON hsa_feedback (region, at);
CREATE INDEX hsa_feedback_by_warning ON hsa_feedback (jr_id);
