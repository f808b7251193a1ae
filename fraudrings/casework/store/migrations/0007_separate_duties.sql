-- The three duties kept apart (sysadmin, secadmin, auditor): the users table rebuilt so
-- its role CHECK holds the vocabulary's roles of today, every column kept.
CREATE TABLE users_next (
    username       TEXT PRIMARY KEY,
    role           TEXT NOT NULL CHECK (role IN ({roles})),
    region         TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    active         INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    totp_secret    TEXT,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   TEXT,
    institutions   TEXT NOT NULL DEFAULT '[]',
    totp_last_step INTEGER
);
INSERT INTO users_next (username, role, region, password_hash, active, created_at,
                        totp_secret, failed_logins, locked_until, institutions, totp_last_step)
SELECT username, role, region, password_hash, active, created_at,
       totp_secret, failed_logins, locked_until, institutions, totp_last_step FROM users;
DROP TABLE users;
ALTER TABLE users_next RENAME TO users;
