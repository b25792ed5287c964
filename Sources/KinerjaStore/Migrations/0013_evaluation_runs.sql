-- Each `evaluate run` records once what holds for every result it computes: the regime, the profile
-- version, the rules, weights and bands. A result's explanation keeps only its own inputs and steps, and is
-- read back joined with its run's, so a city of 100,000 does not store the same rules 100,000 times.
CREATE TABLE evaluation_runs (
    tenant_id       uuid NOT NULL,
    run_id          bigint GENERATED ALWAYS AS IDENTITY,
    year            integer NOT NULL,
    period_kind     text NOT NULL,
    period_seq      integer NOT NULL,
    profile_version integer NOT NULL,
    regime          text NOT NULL,
    rules           jsonb NOT NULL,
    run_by          text NOT NULL,
    run_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, run_id),
    FOREIGN KEY (tenant_id, year, period_kind, period_seq) REFERENCES periods (tenant_id, year, kind, sequence)
);

ALTER TABLE evaluations ADD COLUMN run_id bigint;

-- A run writes a city's results in one statement: 100,000 rows, each with three foreign-key checks fired row
-- by row (periods, employees, the run), which cost more than the computation of the result. As for
-- employees (0007), the same rules are checked once per statement over the rows it wrote, the referenced
-- rows locked as a foreign key would. Periods and runs are never deleted (no role may); an employee with a
-- result has an approved SKP, whose foreign key keeps the employee, and a check on delete says so too.
ALTER TABLE evaluations DROP CONSTRAINT evaluations_tenant_id_year_period_kind_period_seq_fkey;
ALTER TABLE evaluations DROP CONSTRAINT evaluations_tenant_id_nip_fkey;

CREATE FUNCTION evaluations_references_exist() RETURNS trigger LANGUAGE plpgsql SET enable_nestloop = on SET enable_seqscan = off AS $$
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
    PERFORM 1 FROM employees e JOIN (SELECT DISTINCT tenant_id, nip FROM changed) c ON e.tenant_id = c.tenant_id AND e.nip = c.nip
       FOR KEY SHARE OF e;
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
CREATE TRIGGER evaluations_references_on_insert AFTER INSERT ON evaluations REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION evaluations_references_exist();
CREATE TRIGGER evaluations_references_on_update AFTER UPDATE ON evaluations REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION evaluations_references_exist();

CREATE FUNCTION employees_without_evaluations() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kept record;
BEGIN
    SELECT g.nip INTO kept FROM gone g
     WHERE EXISTS (SELECT 1 FROM evaluations v WHERE v.tenant_id = g.tenant_id AND v.nip = g.nip) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'employee % has evaluation results and is kept', kept.nip USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER employees_evaluations_kept_on_delete AFTER DELETE ON employees REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION employees_without_evaluations();

SELECT guard_tenant_table('evaluation_runs');
GRANT SELECT, INSERT ON evaluation_runs TO kinerja_app, kinerja_admin;
