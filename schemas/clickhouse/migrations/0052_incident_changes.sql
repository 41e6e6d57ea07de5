-- Changes near an incident's onset (JSON): new service versions seen in the spans and announced
-- change events, shown on its timeline and counted in its ranking.
ALTER TABLE {{db}}.braid_incidents ADD COLUMN IF NOT EXISTS Changes String DEFAULT '';
