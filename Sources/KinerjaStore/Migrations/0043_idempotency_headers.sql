-- A replayed answer carries the headers a client acts on, as the first one did: the new version's ETag (the
-- SKP save, the evaluation's confirmation) and the Location of a report job. Name and value pairs, in order.
ALTER TABLE idempotency_keys ADD COLUMN headers text[];
