-- Follow-ups of final results: what the national rules and the city's profile require for each employee
-- (rewards, coaching, proposed sanctions, training, improvement plans, JF angka kredit, Makassar's ranking
-- and mentoring, certificates), each with its rule, particulars, review date, status and outcome.
CREATE TABLE followups (
    tenant_id    uuid NOT NULL,
    followup_id  bigint GENERATED ALWAYS AS IDENTITY,
    year         integer NOT NULL,
    period_kind  text NOT NULL,
    period_seq   integer NOT NULL,
    nip          char(18) NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('reward', 'coaching', 'sanction', 'training', 'improvement_plan', 'reassignment',
                                              'angka_kredit', 'ranking', 'mentoring', 'certificate')),
    rule         text NOT NULL,
    detail       jsonb NOT NULL DEFAULT '{}'::jsonb,
    due_date     date,
    status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    outcome      text,
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    closed_by    text,
    closed_at    timestamptz,
    PRIMARY KEY (tenant_id, followup_id),
    UNIQUE (tenant_id, year, period_kind, period_seq, nip, kind, rule),
    FOREIGN KEY (tenant_id, year, period_kind, period_seq, nip) REFERENCES evaluations (tenant_id, year, period_kind, period_seq, nip),
    CHECK ((status = 'open') = (closed_at IS NULL))
);
CREATE INDEX followups_by_kind ON followups (tenant_id, year, period_kind, period_seq, kind);

SELECT guard_tenant_table('followups');
GRANT SELECT, INSERT, UPDATE ON followups TO kinerja_app, kinerja_admin;
