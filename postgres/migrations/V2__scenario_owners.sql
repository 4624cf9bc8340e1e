-- Stored configurations belong to the API key that stored them, as jobs do: a key sees
-- and changes only its own, and names are unique per key (rows stored before this
-- migration have no owner and form one namespace of their own).
ALTER TABLE scenarios
    ADD COLUMN owner_key_id bigint REFERENCES api_keys (id) ON DELETE CASCADE;
ALTER TABLE scenarios DROP CONSTRAINT scenarios_name_version_key;
CREATE UNIQUE INDEX scenarios_owner_name_version
    ON scenarios (COALESCE(owner_key_id, 0), name, version);
-- A key's configurations, in id order (keyset pagination).
CREATE INDEX scenarios_owner_id ON scenarios (owner_key_id, id);
