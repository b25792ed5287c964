-- Each claim of an Idempotency-Key is one attempt's: a request still being answered keeps its claim fresh (its
-- server refreshes created_at), so a retry meanwhile is told the request is in progress however long it takes, and
-- only a claim its server stopped refreshing is taken over, by a new attempt. The answer is kept, and a failed
-- attempt's claim released, only by the attempt that holds the claim: one taken over and finishing late neither
-- overwrites the answer nor frees the claim of the attempt that took it over.
ALTER TABLE idempotency_keys ADD COLUMN attempt uuid;
