-- The statement-level check on evaluations (0013) locked every referenced employee FOR KEY SHARE, as a
-- foreign key would, so that no concurrent delete could remove an employee a new result refers to. Locking
-- 100,000 employee rows writes each of them (and a WAL record per row): on a city's evaluation run that was
-- over a second of the run. Employees are deleted rarely (never by the application today), so the guard is
-- now one transaction-level advisory lock: writers of evaluations hold it shared, a statement that deletes
-- employees holds it exclusive before it deletes. Either the delete waits for the evaluation to commit (and
-- then its own check, 0013's employees_without_evaluations, sees the results and refuses), or the evaluation
-- waits for the delete to commit (and then its check, run in a new snapshot under READ COMMITTED, sees the
-- employee gone and refuses). Periods keep their row locks: a statement refers to one or two of them.
CREATE OR REPLACE FUNCTION evaluations_references_exist() RETURNS trigger LANGUAGE plpgsql
    SET enable_nestloop = on SET enable_seqscan = off AS $$
DECLARE
    missing record;
BEGIN
    PERFORM 1 FROM periods p
      JOIN (SELECT DISTINCT tenant_id, year, period_kind, period_seq FROM changed) c
        ON p.tenant_id = c.tenant_id AND p.year = c.year AND p.kind = c.period_kind AND p.sequence = c.period_seq
       FOR KEY SHARE OF p;
    SELECT c.* INTO missing FROM (SELECT DISTINCT tenant_id, year, period_kind, period_seq FROM changed) c
     WHERE NOT EXISTS (SELECT 1 FROM periods p WHERE p.tenant_id = c.tenant_id AND p.year = c.year
                                                 AND p.kind = c.period_kind AND p.sequence = c.period_seq)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'period % % % is not a period of this city', missing.year, missing.period_kind, missing.period_seq
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    -- Shared with every other writer of evaluations; exclusive for a delete of employees.
    PERFORM pg_advisory_xact_lock_shared(hashtextextended('kinerja:employees:delete', 0));
    SELECT c.tenant_id, c.nip INTO missing FROM (SELECT DISTINCT tenant_id, nip FROM changed) c
     WHERE NOT EXISTS (SELECT 1 FROM employees e WHERE e.tenant_id = c.tenant_id AND e.nip = c.nip)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'employee % is not an employee of this city', missing.nip USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT c.run_id INTO missing FROM (SELECT DISTINCT tenant_id, run_id FROM changed WHERE run_id IS NOT NULL) c
     WHERE NOT EXISTS (SELECT 1 FROM evaluation_runs r WHERE r.tenant_id = c.tenant_id AND r.run_id = c.run_id)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'evaluation run % was not recorded in this city', missing.run_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION employees_delete_waits_for_evaluations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('kinerja:employees:delete', 0));
    RETURN NULL;
END $$;
CREATE TRIGGER employees_delete_waits_for_evaluations BEFORE DELETE ON employees
    FOR EACH STATEMENT EXECUTE FUNCTION employees_delete_waits_for_evaluations();
