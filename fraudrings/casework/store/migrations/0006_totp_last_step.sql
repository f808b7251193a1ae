-- The last TOTP time step each account signed in with (RFC 6238 section 5.2): a code is
-- accepted once; a new secret starts over.
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;
