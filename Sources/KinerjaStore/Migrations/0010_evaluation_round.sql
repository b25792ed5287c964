-- The rest of the evaluation round: the organisation's predikat set by the leader above, calibration
-- adjustments, and finalizing (then locking) an OPD's results.

-- The OPD (top unit) each result belongs to, recorded when it is computed, and whether the employee heads it
-- (their rating hasil kerja is then the organisation's result).
ALTER TABLE evaluations ADD COLUMN opd_id uuid;
ALTER TABLE evaluations ADD COLUMN is_head boolean NOT NULL DEFAULT false;
-- The regime a result was computed under; a numeric regime (PP 30/2019, PP 46/2011) gives a figure (nilai)
-- and its predikat, and no ratings.
ALTER TABLE evaluations ADD COLUMN regime text NOT NULL DEFAULT 'permenpanrb-6-2022'
    CHECK (regime IN ('permenpanrb-6-2022', 'pp-30-2019', 'pp-46-2011'));
ALTER TABLE evaluations ADD COLUMN nilai numeric;
ALTER TABLE evaluations DROP CONSTRAINT evaluations_check;
ALTER TABLE evaluations ADD CONSTRAINT evaluations_result_complete CHECK (status = 'proposed' OR (predikat IS NOT NULL
    AND (regime <> 'permenpanrb-6-2022' OR (rating_hasil IS NOT NULL AND rating_perilaku IS NOT NULL))));
CREATE INDEX evaluations_opd ON evaluations (tenant_id, year, period_kind, period_seq, opd_id);
-- Results computed before this migration belong to their employee's OPD as it is now.
WITH RECURSIVE up AS (
    SELECT tenant_id, unit_id, unit_id AS top, parent_id FROM org_units
    UNION ALL
    SELECT up.tenant_id, up.unit_id, p.unit_id, p.parent_id FROM up JOIN org_units p ON p.tenant_id = up.tenant_id AND p.unit_id = up.parent_id
)
UPDATE evaluations v SET opd_id = up.top
FROM employees e, up
WHERE e.tenant_id = v.tenant_id AND e.nip = v.nip AND up.tenant_id = e.tenant_id AND up.unit_id = e.unit_id
  AND up.parent_id IS NULL AND v.opd_id IS NULL;

-- Predikat kinerja organisasi, per OPD and period, set by the leader above (recorded by city HR).
CREATE TABLE org_predikat (
    tenant_id   uuid NOT NULL,
    year        integer NOT NULL,
    period_kind text NOT NULL,
    period_seq  integer NOT NULL,
    unit_id     uuid NOT NULL,
    predikat    text NOT NULL CHECK (predikat IN ('Istimewa', 'Baik', 'Butuh Perbaikan', 'Kurang', 'Sangat Kurang')),
    set_by      text NOT NULL,
    decided_by  text,
    set_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, year, period_kind, period_seq, unit_id),
    FOREIGN KEY (tenant_id, year, period_kind, period_seq) REFERENCES periods (tenant_id, year, kind, sequence),
    FOREIGN KEY (tenant_id, unit_id) REFERENCES org_units (tenant_id, unit_id)
);

-- Every calibration adjustment: what the ratings were, what they became, why, and who.
CREATE TABLE evaluation_adjustments (
    tenant_id      uuid NOT NULL,
    adjustment_id  bigint GENERATED ALWAYS AS IDENTITY,
    year           integer NOT NULL,
    period_kind    text NOT NULL,
    period_seq     integer NOT NULL,
    nip            char(18) NOT NULL,
    from_hasil     text,
    from_perilaku  text,
    from_predikat  text,
    to_hasil       text NOT NULL,
    to_perilaku    text NOT NULL,
    to_predikat    text NOT NULL,
    reason         text NOT NULL CHECK (length(btrim(reason)) > 0),
    author         text NOT NULL,
    at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, adjustment_id),
    FOREIGN KEY (tenant_id, year, period_kind, period_seq, nip)
        REFERENCES evaluations (tenant_id, year, period_kind, period_seq, nip)
);

-- An OPD whose results are final for the period. Reopening removes the row (the audit log keeps the history).
CREATE TABLE opd_finalizations (
    tenant_id       uuid NOT NULL,
    year            integer NOT NULL,
    period_kind     text NOT NULL,
    period_seq      integer NOT NULL,
    unit_id         uuid NOT NULL,
    finalized_by    text NOT NULL,
    finalized_at    timestamptz NOT NULL DEFAULT now(),
    -- Set when city HR finalized despite a broken curve.
    override_reason text,
    -- The curve check it was finalized with (none under a numeric regime, which has no curve).
    curve           jsonb,
    PRIMARY KEY (tenant_id, year, period_kind, period_seq, unit_id),
    FOREIGN KEY (tenant_id, year, period_kind, period_seq) REFERENCES periods (tenant_id, year, kind, sequence),
    FOREIGN KEY (tenant_id, unit_id) REFERENCES org_units (tenant_id, unit_id)
);

SELECT guard_tenant_table(t) FROM unnest(ARRAY['org_predikat', 'evaluation_adjustments', 'opd_finalizations']::regclass[]) AS t;

GRANT SELECT, INSERT, UPDATE ON org_predikat TO kinerja_app, kinerja_admin;
GRANT SELECT, INSERT ON evaluation_adjustments TO kinerja_app, kinerja_admin;
GRANT SELECT, INSERT, DELETE ON opd_finalizations TO kinerja_app, kinerja_admin;

-- A final result is locked: the only change allowed is reopening (back to 'confirmed', nothing else changed).
-- The application refuses first with a clearer message; this holds for any other path.
CREATE FUNCTION evaluations_final_is_locked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Reopening: back to confirmed, nothing else changed, and only once the OPD is no longer final.
    IF NEW.status = 'confirmed'
       AND (NEW.rating_hasil, NEW.rating_perilaku, NEW.predikat, NEW.nilai, NEW.capaian, NEW.behaviour_score, NEW.explanation,
            NEW.opd_id, NEW.is_head, NEW.regime)
           IS NOT DISTINCT FROM (OLD.rating_hasil, OLD.rating_perilaku, OLD.predikat, OLD.nilai, OLD.capaian, OLD.behaviour_score,
                                 OLD.explanation, OLD.opd_id, OLD.is_head, OLD.regime)
       AND NOT EXISTS (SELECT 1 FROM opd_finalizations f WHERE f.tenant_id = OLD.tenant_id AND f.year = OLD.year
                       AND f.period_kind = OLD.period_kind AND f.period_seq = OLD.period_seq AND f.unit_id = OLD.opd_id)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the evaluation of % for % is final: reopen its OPD with a reason to change it',
        OLD.nip, OLD.year || ' ' || CASE OLD.period_kind WHEN 'annual' THEN 'Y' WHEN 'monthly' THEN 'M' || OLD.period_seq ELSE 'Q' || OLD.period_seq END
        USING ERRCODE = 'object_not_in_prerequisite_state';
END $$;
CREATE TRIGGER evaluations_final_is_locked BEFORE UPDATE ON evaluations
    FOR EACH ROW WHEN (OLD.status = 'final') EXECUTE FUNCTION evaluations_final_is_locked();

-- Only a confirmed result becomes final.
CREATE FUNCTION evaluations_final_needs_confirmation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the evaluation of % for % is not confirmed: only a confirmed result becomes final', NEW.nip, NEW.year
        USING ERRCODE = 'object_not_in_prerequisite_state';
END $$;
CREATE TRIGGER evaluations_final_needs_confirmation BEFORE UPDATE ON evaluations
    FOR EACH ROW WHEN (NEW.status = 'final' AND OLD.status = 'proposed') EXECUTE FUNCTION evaluations_final_needs_confirmation();
