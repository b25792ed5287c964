-- Attendance events (imported from the attendance machines' export), each employee's TPP pagu, the monthly
-- TPP with its explanation, and discipline cases for unexcused absence (PP 94/2021: proposed, then imposed
-- or dismissed by the authorised official; an imposed 25% cut feeds the TPP of its months).
CREATE TABLE attendance_events (
    tenant_id   uuid NOT NULL,
    nip         char(18) NOT NULL,
    day         date NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('terlambat', 'pulang_cepat', 'tidak_hadir', 'tidak_upacara')),
    minutes     integer CHECK (minutes BETWEEN 1 AND 1440),
    excused     boolean NOT NULL DEFAULT false,
    imported_by text NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, nip, day, kind),
    FOREIGN KEY (tenant_id, nip) REFERENCES employees (tenant_id, nip),
    CHECK (NOT excused OR kind = 'tidak_hadir'),
    CHECK (minutes IS NULL OR kind IN ('terlambat', 'pulang_cepat'))
);
CREATE INDEX attendance_events_day ON attendance_events (tenant_id, day);

CREATE TABLE tpp_pagu (
    tenant_id  uuid NOT NULL,
    nip        char(18) NOT NULL,
    amount     numeric NOT NULL CHECK (amount >= 0),
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, nip),
    FOREIGN KEY (tenant_id, nip) REFERENCES employees (tenant_id, nip)
);

CREATE TABLE tpp_results (
    tenant_id                  uuid NOT NULL,
    year                       integer NOT NULL,
    month                      integer NOT NULL CHECK (month BETWEEN 1 AND 12),
    nip                        char(18) NOT NULL,
    pagu                       numeric,
    capaian                    numeric,
    kinerja_paid_percent       numeric NOT NULL,
    disiplin_deduction_percent numeric NOT NULL,
    cut_percent                numeric NOT NULL,
    total_percent              numeric NOT NULL,
    amount                     numeric,
    explanation                jsonb NOT NULL,
    profile_version            integer NOT NULL,
    computed_by                text NOT NULL,
    computed_at                timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, year, month, nip),
    FOREIGN KEY (tenant_id, nip) REFERENCES employees (tenant_id, nip)
);

CREATE TABLE discipline_cases (
    tenant_id     uuid NOT NULL,
    case_id       bigint GENERATED ALWAYS AS IDENTITY,
    nip           char(18) NOT NULL,
    year          integer NOT NULL,
    step          integer NOT NULL CHECK (step BETWEEN 1 AND 9),
    absence_days  integer NOT NULL,
    longest_run   integer NOT NULL,
    -- Lower steps that were never proposed before this one (the count rose past them between scans).
    skipped       integer[] NOT NULL DEFAULT '{}',
    status        text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'imposed', 'dismissed')),
    proposed_by   text NOT NULL,
    proposed_at   timestamptz NOT NULL DEFAULT now(),
    decided_by    text,
    decided_at    timestamptz,
    decision_note text,
    cut_from      date,
    cut_months    integer,
    PRIMARY KEY (tenant_id, case_id),
    UNIQUE (tenant_id, nip, year, step),
    FOREIGN KEY (tenant_id, nip) REFERENCES employees (tenant_id, nip),
    CHECK ((status = 'proposed') = (decided_at IS NULL)),
    CHECK ((cut_from IS NULL) = (cut_months IS NULL))
);

SELECT guard_tenant_table(t) FROM unnest(ARRAY['attendance_events', 'tpp_pagu', 'tpp_results', 'discipline_cases']::regclass[]) AS t;

GRANT SELECT, INSERT, UPDATE ON attendance_events, tpp_pagu, discipline_cases TO kinerja_app, kinerja_admin;
GRANT SELECT, INSERT, DELETE ON tpp_results TO kinerja_app, kinerja_admin;
