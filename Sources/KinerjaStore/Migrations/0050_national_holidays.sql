-- Holidays are the profile's own list (holidayDates), and the national profile lists 2026's national holidays.
-- Before, holidays were listed only under complaints.holidayDates, and only Makassar's adapter listed any: in the
-- other cities the TPP and the discipline scan counted 17 August or Idul Fitri as working days. A city whose
-- stored profile lists no holiday at all gets the national list, as `tenant update-profile` would give it: the
-- next profile version (the holidays decide TPP deductions and absences), its dashboards made again, and the
-- change audited with the profile before it. A city that lists holidays keeps its list; an offboarded or purged
-- city takes no writes and is left as it is.
DO $$
DECLARE
    r record;
    v_holidays jsonb := '["2026-01-01", "2026-01-16", "2026-02-17", "2026-03-19", "2026-03-20", "2026-03-21", "2026-04-03",
                          "2026-05-01", "2026-05-14", "2026-05-27", "2026-05-31", "2026-06-01", "2026-06-16", "2026-08-17",
                          "2026-08-25", "2026-12-25"]';
BEGIN
    FOR r IN SELECT t.tenant_id, t.code, t.profile, t.profile_version FROM tenants t
             WHERE t.status IN ('active', 'suspended') AND NOT t.profile ? 'holidayDates'
               AND coalesce(jsonb_array_length(t.profile -> 'complaints' -> 'holidayDates'), 0) = 0
             ORDER BY t.code
    LOOP
        -- Row-level security binds the owner too: the city's rows are reached with the city set.
        PERFORM set_config('kinerja.tenant_id', r.tenant_id::text, true);
        DELETE FROM dashboard_snapshots WHERE tenant_id = r.tenant_id;
        UPDATE tenants SET profile = r.profile || jsonb_build_object('holidayDates', v_holidays),
                           profile_version = r.profile_version + 1, updated_at = now()
        WHERE tenant_id = r.tenant_id;
        INSERT INTO audit_log (tenant_id, actor, action, subject, detail)
        VALUES (r.tenant_id, 'migration:0050', 'tenant.profile_update', r.code,
                jsonb_build_object('from_version', r.profile_version::text, 'to_version', (r.profile_version + 1)::text,
                                   'changed', 'holidayDates', 'previous_profile', r.profile::text));
    END LOOP;
    PERFORM set_config('kinerja.tenant_id', '', true);
END $$;
