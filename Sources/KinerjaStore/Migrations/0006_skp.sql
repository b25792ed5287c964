-- SKP planning and the year's work: revisions of each employee's SKP, their RHK and IKI, realisasi per
-- sub-period with evidence, the atasan's feedback, and indicator proposals. A revision's content can change
-- only while it is a draft (or returned); an approved SKP changes through a new revision.

CREATE TABLE skp (
    tenant_id    uuid NOT NULL REFERENCES tenants (tenant_id),
    nip          char(18) NOT NULL,
    year         integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    revision     integer NOT NULL CHECK (revision >= 1),
    status       text NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'returned', 'superseded')),
    approach     text NOT NULL CHECK (approach IN ('kuantitatif', 'kualitatif')),
    jpt          boolean NOT NULL,
    -- The pejabat penilai when the revision was started.
    atasan_nip   char(18),
    return_note  text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    submitted_at timestamptz,
    decided_at   timestamptz,
    decided_by   text,
    PRIMARY KEY (tenant_id, nip, year, revision),
    FOREIGN KEY (tenant_id, nip) REFERENCES employees (tenant_id, nip),
    FOREIGN KEY (tenant_id, atasan_nip) REFERENCES employees (tenant_id, nip),
    CHECK (status <> 'returned' OR length(btrim(return_note)) > 0)
);
-- At most one revision in progress and one in force per employee and year.
CREATE UNIQUE INDEX skp_one_in_progress ON skp (tenant_id, nip, year) WHERE status IN ('draft', 'submitted', 'returned');
CREATE UNIQUE INDEX skp_one_in_force ON skp (tenant_id, nip, year) WHERE status = 'approved';
CREATE INDEX skp_by_year_status ON skp (tenant_id, year, status);

CREATE TABLE skp_rhk (
    tenant_id  uuid NOT NULL,
    nip        char(18) NOT NULL,
    year       integer NOT NULL,
    revision   integer NOT NULL,
    rhk_key    uuid NOT NULL,
    position   integer NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('utama', 'tambahan')),
    text       text NOT NULL CHECK (length(btrim(text)) > 0),
    -- The atasan's RHK this one intervenes in (the key is stable across the atasan's revisions).
    parent_nip char(18),
    parent_key uuid,
    PRIMARY KEY (tenant_id, nip, year, revision, rhk_key),
    FOREIGN KEY (tenant_id, nip, year, revision) REFERENCES skp (tenant_id, nip, year, revision),
    CHECK ((parent_nip IS NULL) = (parent_key IS NULL))
);
CREATE INDEX skp_rhk_parent ON skp_rhk (tenant_id, parent_key) WHERE parent_key IS NOT NULL;

CREATE TABLE skp_iki (
    tenant_id        uuid NOT NULL,
    nip              char(18) NOT NULL,
    year             integer NOT NULL,
    revision         integer NOT NULL,
    rhk_key          uuid NOT NULL,
    iki_key          uuid NOT NULL,
    position         integer NOT NULL,
    text             text NOT NULL CHECK (length(btrim(text)) > 0),
    dimension        text NOT NULL CHECK (dimension IN ('kuantitas', 'kualitas', 'waktu', 'biaya', 'penerima_layanan',
                                                        'proses_bisnis', 'penguatan_internal', 'anggaran')),
    target_value     numeric CHECK (target_value >= 0),
    target_unit      text,
    target_narrative text,
    lower_is_better  boolean NOT NULL DEFAULT false,
    accumulation     text NOT NULL CHECK (accumulation IN ('sum', 'last', 'average')),
    template_id      text,
    PRIMARY KEY (tenant_id, nip, year, revision, iki_key),
    FOREIGN KEY (tenant_id, nip, year, revision, rhk_key) REFERENCES skp_rhk (tenant_id, nip, year, revision, rhk_key)
        ON DELETE CASCADE,
    CHECK (target_value IS NOT NULL OR target_narrative IS NOT NULL)
);

-- The content of a revision is fixed once it leaves the draft: no insert, update or delete of its RHK and
-- IKI unless the revision is a draft or returned. Checked once per statement over the rows it touched.
CREATE FUNCTION skp_content_is_editable() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    -- Hold the revisions' status still until commit, so that none is approved under the new content.
    PERFORM 1 FROM (SELECT DISTINCT tenant_id, nip, year, revision FROM changed) c
      JOIN skp s ON s.tenant_id = c.tenant_id AND s.nip = c.nip AND s.year = c.year AND s.revision = c.revision
       FOR SHARE OF s;
    SELECT s.nip, s.year, s.revision, s.status INTO bad
      FROM (SELECT DISTINCT tenant_id, nip, year, revision FROM changed) c
      JOIN skp s ON s.tenant_id = c.tenant_id AND s.nip = c.nip AND s.year = c.year AND s.revision = c.revision
     WHERE s.status NOT IN ('draft', 'returned')
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'SKP % %/% is %: its content cannot change; start a new revision', bad.nip, bad.year, bad.revision, bad.status
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RETURN NULL;
END $$;
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['skp_rhk', 'skp_iki'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed
                        FOR EACH STATEMENT EXECUTE FUNCTION skp_content_is_editable()', t || '_insert_editable', t);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS changed
                        FOR EACH STATEMENT EXECUTE FUNCTION skp_content_is_editable()', t || '_update_editable', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed
                        FOR EACH STATEMENT EXECUTE FUNCTION skp_content_is_editable()', t || '_delete_editable', t);
    END LOOP;
END $$;

-- An approved or superseded revision never goes back; a superseded one never changes again.
CREATE FUNCTION skp_status_moves_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'superseded' OR (OLD.status = 'approved' AND NEW.status <> 'superseded')
       OR (OLD.status = 'approved' AND (NEW.approach, NEW.jpt, NEW.nip, NEW.year, NEW.revision)
                                       IS DISTINCT FROM (OLD.approach, OLD.jpt, OLD.nip, OLD.year, OLD.revision)) THEN
        RAISE EXCEPTION 'SKP % %/% is %: it cannot change', OLD.nip, OLD.year, OLD.revision, OLD.status
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER skp_forward BEFORE UPDATE ON skp FOR EACH ROW EXECUTE FUNCTION skp_status_moves_forward();

-- Realisasi of one indicator in one month or quarter, with evidence (bukti dukung: links and notes).
CREATE TABLE realisasi (
    tenant_id   uuid NOT NULL,
    nip         char(18) NOT NULL,
    year        integer NOT NULL,
    iki_key     uuid NOT NULL,
    period_kind text NOT NULL CHECK (period_kind IN ('monthly', 'quarterly')),
    period_seq  integer NOT NULL,
    value       numeric,
    narrative   text,
    evidence    jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(evidence) = 'array'),
    reported_at timestamptz NOT NULL DEFAULT now(),
    reported_by text NOT NULL,
    PRIMARY KEY (tenant_id, nip, year, iki_key, period_kind, period_seq),
    FOREIGN KEY (tenant_id, nip) REFERENCES employees (tenant_id, nip),
    FOREIGN KEY (tenant_id, year, period_kind, period_seq) REFERENCES periods (tenant_id, year, kind, sequence),
    CHECK (value IS NOT NULL OR length(btrim(narrative)) > 0)
);
CREATE INDEX realisasi_period ON realisasi (tenant_id, year, period_kind, period_seq);

-- A closed period takes no more realisasi (the application says so first; this is the guard).
CREATE FUNCTION realisasi_period_is_open() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s text;
BEGIN
    SELECT status INTO s FROM periods
     WHERE tenant_id = NEW.tenant_id AND year = NEW.year AND kind = NEW.period_kind AND sequence = NEW.period_seq
       FOR SHARE;
    IF s = 'closed' THEN
        RAISE EXCEPTION 'period %-% % is closed', NEW.year, NEW.period_kind, NEW.period_seq
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER realisasi_open_period BEFORE INSERT OR UPDATE ON realisasi
    FOR EACH ROW EXECUTE FUNCTION realisasi_period_is_open();

-- Umpan balik: the atasan's feedback on one RHK in one period. Append-only, like the audit log.
CREATE TABLE skp_feedback (
    tenant_id   uuid NOT NULL,
    feedback_id uuid NOT NULL DEFAULT gen_random_uuid(),
    nip         char(18) NOT NULL,
    year        integer NOT NULL,
    rhk_key     uuid NOT NULL,
    period_kind text NOT NULL,
    period_seq  integer NOT NULL,
    author      text NOT NULL,
    author_nip  char(18),
    text        text NOT NULL CHECK (length(btrim(text)) > 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, feedback_id),
    FOREIGN KEY (tenant_id, nip) REFERENCES employees (tenant_id, nip),
    FOREIGN KEY (tenant_id, year, period_kind, period_seq) REFERENCES periods (tenant_id, year, kind, sequence)
);
CREATE INDEX skp_feedback_by_skp ON skp_feedback (tenant_id, nip, year);

-- Indicator proposals (Pematangsiantar): the employee proposes an IKI for one of their RHK; the atasan
-- accepts it into the SKP or rejects it with a reason.
CREATE TABLE iki_proposals (
    tenant_id        uuid NOT NULL,
    proposal_id      uuid NOT NULL DEFAULT gen_random_uuid(),
    nip              char(18) NOT NULL,
    year             integer NOT NULL,
    rhk_key          uuid NOT NULL,
    text             text NOT NULL CHECK (length(btrim(text)) > 0),
    dimension        text NOT NULL,
    target_value     numeric,
    target_unit      text,
    target_narrative text,
    lower_is_better  boolean NOT NULL DEFAULT false,
    status           text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'accepted', 'rejected')),
    reason           text,
    proposed_by      text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    decided_by       text,
    decided_at       timestamptz,
    PRIMARY KEY (tenant_id, proposal_id),
    FOREIGN KEY (tenant_id, nip) REFERENCES employees (tenant_id, nip),
    CHECK (status <> 'rejected' OR length(btrim(reason)) > 0)
);
CREATE INDEX iki_proposals_by_skp ON iki_proposals (tenant_id, nip, year);

-- Row-level security on a tenant table, the same way for every table from here on: enabled, forced, and
-- one policy on the transaction-local setting (a missing setting is an error, not an empty result).
CREATE FUNCTION guard_tenant_table(t regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %s
        USING (tenant_id = (SELECT current_setting('kinerja.tenant_id')::uuid))
        WITH CHECK (tenant_id = (SELECT current_setting('kinerja.tenant_id')::uuid))$p$, t);
END $$;
REVOKE ALL ON FUNCTION guard_tenant_table FROM PUBLIC;

SELECT guard_tenant_table(t) FROM unnest(ARRAY['skp', 'skp_rhk', 'skp_iki', 'realisasi', 'skp_feedback', 'iki_proposals']::regclass[]) AS t;

GRANT SELECT, INSERT, UPDATE ON skp, realisasi, iki_proposals TO kinerja_app, kinerja_admin;
GRANT SELECT, INSERT, DELETE ON skp_rhk, skp_iki TO kinerja_app, kinerja_admin;
GRANT SELECT, INSERT ON skp_feedback TO kinerja_app, kinerja_admin;
