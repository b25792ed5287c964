-- The statement-level check on evaluations (0013) locked every referenced employee FOR KEY SHARE, as a
-- foreign key would, so that no concurrent delete could remove an employee a new result refers to. Locking
-- 100,000 employee rows writes each of them (and a WAL record per row): on a city's evaluation run that was
-- over a second of the run. Employees are deleted rarely (never by the application today), so the guard is
-- now one transaction-level advisory lock per city: writers of evaluations hold it shared, a statement that
-- deletes employees holds it exclusive before it checks for their results. Either the delete waits for the
-- writer to commit (and then its check, in a new snapshot, sees the results and refuses), or the writer waits
-- for the delete to commit (and then its check, in a new snapshot, sees the employee gone and refuses).
-- Both depend on READ COMMITTED taking a new snapshot per statement: a writer under another isolation level
-- locks the employees' rows as before, and a delete of employees under another level is refused.
-- Periods keep their row locks (a statement refers to one or two of them); periods and runs are checked in
-- one pass over the statement's rows, the employees in another.
CREATE OR REPLACE FUNCTION evaluations_references_exist() RETURNS trigger LANGUAGE plpgsql
    SET enable_nestloop = on SET enable_seqscan = off AS $$
DECLARE
    ref record;
    missing record;
BEGIN
    FOR ref IN SELECT DISTINCT tenant_id, year, period_kind, period_seq, run_id FROM changed LOOP
        PERFORM 1 FROM periods p WHERE p.tenant_id = ref.tenant_id AND p.year = ref.year AND p.kind = ref.period_kind
                                   AND p.sequence = ref.period_seq
           FOR KEY SHARE OF p;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'period % % % is not a period of this city', ref.year, ref.period_kind, ref.period_seq
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        IF ref.run_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM evaluation_runs r WHERE r.tenant_id = ref.tenant_id AND r.run_id = ref.run_id) THEN
            RAISE EXCEPTION 'evaluation run % was not recorded in this city', ref.run_id USING ERRCODE = 'foreign_key_violation';
        END IF;
    END LOOP;
    -- Shared with the city's other writers of evaluations; exclusive for a delete of the city's employees.
    PERFORM pg_advisory_xact_lock_shared(hashtextextended('kinerja:employees:delete:' || t, 0))
       FROM (SELECT DISTINCT tenant_id::text AS t FROM changed) x ORDER BY t;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        PERFORM 1 FROM employees e JOIN (SELECT DISTINCT tenant_id, nip FROM changed) c ON e.tenant_id = c.tenant_id AND e.nip = c.nip
           FOR KEY SHARE OF e;
    END IF;
    -- A result per employee and period: the statement's rows name each employee once per period.
    SELECT c.tenant_id, c.nip INTO missing FROM changed c
     WHERE NOT EXISTS (SELECT 1 FROM employees e WHERE e.tenant_id = c.tenant_id AND e.nip = c.nip)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'employee % is not an employee of this city', missing.nip USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION employees_without_evaluations() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kept record;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'employees are deleted under READ COMMITTED only (this transaction is %)',
            current_setting('transaction_isolation') USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    -- Waits for any writer of the city's evaluations to commit; this check then sees what it wrote.
    PERFORM pg_advisory_xact_lock(hashtextextended('kinerja:employees:delete:' || t, 0))
       FROM (SELECT DISTINCT tenant_id::text AS t FROM gone) x ORDER BY t;
    SELECT g.nip INTO kept FROM gone g
     WHERE EXISTS (SELECT 1 FROM evaluations v WHERE v.tenant_id = g.tenant_id AND v.nip = g.nip) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'employee % has evaluation results and is kept', kept.nip USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
