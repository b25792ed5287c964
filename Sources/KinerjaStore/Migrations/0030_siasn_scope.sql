-- Scope `siasn`: an integrator key may take the city's final results for SIASN (names, ratings, appraisers)
-- only when granted it by name. Unlike the ingestion scopes, a key with no scopes listed does not have it.
ALTER TABLE api_keys DROP CONSTRAINT api_keys_scopes_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_check
    CHECK (scopes <@ ARRAY['attendance', 'complaints', 'realisasi', 'employees', 'siasn']::text[]);
