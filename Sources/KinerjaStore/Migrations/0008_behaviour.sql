-- 360 behaviour feedback on the seven BerAKHLAK values (DOMAIN.md "Perilaku kerja"): who rates whom in a
-- period (self, atasan, peers, bawahan), and the ratings. Peer and bawahan ratings are shown to the rated
-- employee only in aggregate; the application never returns a rater's identity to anyone but the rater.
CREATE TABLE behaviour_raters (
    tenant_id   uuid NOT NULL,
    year        integer NOT NULL,
    period_kind text NOT NULL,
    period_seq  integer NOT NULL,
    ratee_nip   char(18) NOT NULL,
    rater_nip   char(18) NOT NULL,
    source      text NOT NULL CHECK (source IN ('self', 'atasan', 'peer', 'bawahan')),
    assigned_by text NOT NULL,
    assigned_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, year, period_kind, period_seq, ratee_nip, rater_nip),
    FOREIGN KEY (tenant_id, year, period_kind, period_seq) REFERENCES periods (tenant_id, year, kind, sequence),
    FOREIGN KEY (tenant_id, ratee_nip) REFERENCES employees (tenant_id, nip),
    FOREIGN KEY (tenant_id, rater_nip) REFERENCES employees (tenant_id, nip),
    CHECK ((source = 'self') = (ratee_nip = rater_nip))
);
CREATE INDEX behaviour_raters_by_rater ON behaviour_raters (tenant_id, rater_nip, year);

CREATE TABLE behaviour_ratings (
    tenant_id   uuid NOT NULL,
    year        integer NOT NULL,
    period_kind text NOT NULL,
    period_seq  integer NOT NULL,
    ratee_nip   char(18) NOT NULL,
    rater_nip   char(18) NOT NULL,
    value       text NOT NULL CHECK (value IN ('berorientasi_pelayanan', 'akuntabel', 'kompeten', 'harmonis', 'loyal',
                                               'adaptif', 'kolaboratif')),
    score       numeric NOT NULL,
    ekspektasi  text,
    comment     text,
    rated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, year, period_kind, period_seq, ratee_nip, rater_nip, value),
    FOREIGN KEY (tenant_id, year, period_kind, period_seq, ratee_nip, rater_nip)
        REFERENCES behaviour_raters (tenant_id, year, period_kind, period_seq, ratee_nip, rater_nip)
);

SELECT guard_tenant_table(t) FROM unnest(ARRAY['behaviour_raters', 'behaviour_ratings']::regclass[]) AS t;

GRANT SELECT, INSERT ON behaviour_raters TO kinerja_app, kinerja_admin;
GRANT SELECT, INSERT, UPDATE ON behaviour_ratings TO kinerja_app, kinerja_admin;
