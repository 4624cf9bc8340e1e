-- Rate limits as GCRA (postgres/src/gcra.rs): one theoretical arrival time per key and
-- window, in microseconds since the Unix epoch (NULL: never used), moved on by one
-- atomic statement per admitted request. Calendar windows let twice a limit through
-- across a boundary; these do not.
CREATE TABLE api_key_rate (
    key_id      bigint PRIMARY KEY REFERENCES api_keys (id) ON DELETE CASCADE,
    minute_tat  bigint,
    hour_tat    bigint,
    day_tat     bigint
);
-- api_key_usage keeps only the history: requests and patients per key and UTC day.
DELETE FROM api_key_usage WHERE window_kind <> 'day';
ALTER TABLE api_key_usage DROP CONSTRAINT api_key_usage_window_kind_check;
ALTER TABLE api_key_usage ADD CONSTRAINT api_key_usage_window_kind_check
    CHECK (window_kind = 'day');
