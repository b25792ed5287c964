-- A city imported as a copy (`kinerja-admin tenant import --as`) kept the API key ids of the city it was copied
-- from. A key's cities are the rows that share its id (0002), so revoking the copy's key in the copy revoked the
-- original city's live key and wrote in its audit log. The import now gives a copy's keys ids of their own; this
-- gives them to the copies made before: each key of a copied city made before its import whose id another city
-- holds too. The copy's idempotency records and report jobs follow the new ids. A city moved under its own id
-- (its archive imported in another deployment) is no copy and keeps its keys as they are.
WITH copies AS (
    SELECT a.tenant_id, max(a.at) AS imported_at
    FROM audit_log a
    WHERE a.action = 'tenant.import' AND a.detail ->> 'from_tenant_id' IS DISTINCT FROM a.tenant_id::text
    GROUP BY a.tenant_id
), renumbered AS MATERIALIZED (
    SELECT k.tenant_id, k.key_id AS old, gen_random_uuid() AS new
    FROM api_keys k JOIN copies c ON c.tenant_id = k.tenant_id
    WHERE k.created_at <= c.imported_at
      AND EXISTS (SELECT 1 FROM api_keys o WHERE o.key_id = k.key_id AND o.tenant_id <> k.tenant_id)
), keys AS (
    UPDATE api_keys k SET key_id = r.new FROM renumbered r WHERE k.tenant_id = r.tenant_id AND k.key_id = r.old
), jobs AS (
    UPDATE report_jobs j SET key_id = r.new FROM renumbered r WHERE j.tenant_id = r.tenant_id AND j.key_id = r.old
)
UPDATE idempotency_keys i SET key_id = r.new FROM renumbered r WHERE i.tenant_id = r.tenant_id AND i.key_id = r.old;
