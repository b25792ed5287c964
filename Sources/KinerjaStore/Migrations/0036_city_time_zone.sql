-- Each city's local time, the profile key timeZone: its dates ("today", for complaint deadlines and the latest
-- period begun) and the times on its documents. Every city was read as WITA before; stored profiles get the
-- zone they had, except the built-in Pematangsiantar adapter's, which is WIB (Sumatera Utara). The zone decides
-- no score, so the profile's version stays.
UPDATE tenants
SET profile = jsonb_set(profile, '{timeZone}',
                        to_jsonb(CASE adapter WHEN 'pematangsiantar' THEN 'Asia/Jakarta' ELSE 'Asia/Makassar' END))
WHERE NOT profile ? 'timeZone';

-- The public annual report page prints its date in the city's time.
DROP FUNCTION public_report(text, integer);
CREATE FUNCTION public_report(p_code text, p_year integer)
RETURNS TABLE (name text, adapter text, body jsonb, time_zone text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT t.name, t.adapter, r.body, coalesce(t.profile ->> 'timeZone', 'Asia/Makassar')
    FROM tenants t JOIN public_reports r ON r.tenant_id = t.tenant_id
    WHERE t.code = p_code AND r.year = p_year AND t.status IN ('active', 'offboarded')
      AND coalesce((t.profile -> 'reports' ->> 'publicAnnualReport')::boolean, false)
$$;
REVOKE ALL ON FUNCTION public_report FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public_report TO kinerja_app, kinerja_admin;
