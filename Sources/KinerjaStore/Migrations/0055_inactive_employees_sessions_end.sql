-- A person's login sessions end when their employee record stops being active (a SIASN import or a PUT marks them
-- retired or moved out). 0044 refused such a session only while the record stayed inactive: a record made active
-- again (a mistaken import put right) brought back every session from before, with the role it had at login. Now
-- the person logs in again. Each person whose sessions end has one audit entry in the city, with how many ended
-- (the change that made the record inactive has its own entry, with its actor). A key HR made for a person is not a
-- session: it is refused while the record is inactive (0044) and works again after, as HR chose to make it.
-- A row trigger whose condition picks the records that stop being active: an import that updates every row of a
-- large city calls nothing for the others.
CREATE FUNCTION employee_inactive_close_sessions() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_closed integer;
BEGIN
    WITH ended AS (
        UPDATE api_keys k SET revoked_at = now()
        WHERE k.tenant_id = NEW.tenant_id AND k.employee_nip = NEW.nip AND k.kind = 'session' AND k.revoked_at IS NULL
        RETURNING 1
    )
    SELECT count(*) INTO v_closed FROM ended;
    IF v_closed > 0 THEN
        INSERT INTO audit_log (tenant_id, actor, action, subject, detail)
        VALUES (NEW.tenant_id, 'system', 'user.session_closed', NEW.nip,
                jsonb_build_object('reason', 'the employee is no longer active', 'sessions_closed', v_closed::text));
    END IF;
    RETURN NULL;
END $$;

REVOKE ALL ON FUNCTION employee_inactive_close_sessions FROM PUBLIC;

CREATE TRIGGER employee_inactive_close_sessions AFTER UPDATE OF status ON employees
    FOR EACH ROW WHEN (OLD.status = 'active' AND NEW.status <> 'active')
    EXECUTE FUNCTION employee_inactive_close_sessions();
