-- A record issue about a pair (an enrollment: class and person; a guardianship: student and guardian)
-- names its second id in other_key, so no id is ever split out of a joined string.
ALTER TABLE record_issues ADD COLUMN IF NOT EXISTS other_key VARCHAR;

-- Records normalize could not read as the format says (a Clever record of the wrong shape, a OneRoster
-- person with two primary roles): left out of the snapshot, reported as record errors, and never
-- read as absent (what the roster has of them stays as it is).
CREATE TABLE IF NOT EXISTS snap_rejects (
    run_id VARCHAR, code VARCHAR, entity VARCHAR, key VARCHAR, other_key VARCHAR, school_sid VARCHAR,
    field VARCHAR);

-- One address, no space or control character, a sane length: the only emails stored or written to.
CREATE OR REPLACE MACRO usable_email(e) AS
    coalesce(length(e) <= 254 AND regexp_full_match(e,
        '[A-Za-z0-9.!#$%&''*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+'),
        false);

-- A phone number: digits with the usual separators, 7 to 15 digits. The second pattern counts the digits
-- (a digit, then any separators, 7 to 15 times): a third of the time of removing the rest and measuring.
CREATE OR REPLACE MACRO usable_phone(p) AS
    coalesce(regexp_full_match(p, '\+?[0-9 ().-]{7,25}')
             AND regexp_full_match(p, '\+?[ ().-]*(?:[0-9][ ().-]*){7,15}'), false);
