-- Evaluation results: one row per employee and period. `evaluate run` writes proposals (status 'proposed')
-- from capaian and the 360 score; the atasan confirms or changes each rating (a change needs a reason). A
-- confirmed or final row is never overwritten by a run. Every row keeps its explanation and the profile
-- version it was computed under.
CREATE TABLE evaluations (
    tenant_id          uuid NOT NULL,
    year               integer NOT NULL,
    period_kind        text NOT NULL,
    period_seq         integer NOT NULL,
    nip                char(18) NOT NULL,
    skp_revision       integer,
    capaian            numeric,
    behaviour_score    numeric,
    proposed_hasil     text CHECK (proposed_hasil IN ('Di Atas Ekspektasi', 'Sesuai Ekspektasi', 'Di Bawah Ekspektasi')),
    proposed_perilaku  text CHECK (proposed_perilaku IN ('Di Atas Ekspektasi', 'Sesuai Ekspektasi', 'Di Bawah Ekspektasi')),
    rating_hasil       text CHECK (rating_hasil IN ('Di Atas Ekspektasi', 'Sesuai Ekspektasi', 'Di Bawah Ekspektasi')),
    rating_perilaku    text CHECK (rating_perilaku IN ('Di Atas Ekspektasi', 'Sesuai Ekspektasi', 'Di Bawah Ekspektasi')),
    predikat           text,
    status             text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'confirmed', 'final')),
    change_reason      text,
    explanation        jsonb NOT NULL,
    profile_version    integer NOT NULL,
    computed_at        timestamptz NOT NULL DEFAULT now(),
    confirmed_by       text,
    confirmed_at       timestamptz,
    PRIMARY KEY (tenant_id, year, period_kind, period_seq, nip),
    FOREIGN KEY (tenant_id, year, period_kind, period_seq) REFERENCES periods (tenant_id, year, kind, sequence),
    FOREIGN KEY (tenant_id, nip) REFERENCES employees (tenant_id, nip),
    CHECK (status = 'proposed' OR (rating_hasil IS NOT NULL AND rating_perilaku IS NOT NULL AND predikat IS NOT NULL))
);

SELECT guard_tenant_table('evaluations');
GRANT SELECT, INSERT, UPDATE ON evaluations TO kinerja_app, kinerja_admin;
