-- Two application roles, both bound by row-level security and owning nothing:
--   kinerja_app    the server's: tenant work and the key look-up, nothing that crosses cities;
--   kinerja_admin  the CLI's: the same tenant work, plus the platform functions (onboard, suspend, list).
-- A compromised server process can then neither create nor suspend a city, nor list them.
GRANT USAGE ON SCHEMA public TO kinerja_admin;
GRANT SELECT ON schema_migrations TO kinerja_admin;
GRANT SELECT ON tenants TO kinerja_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON org_units, employees TO kinerja_admin;
GRANT SELECT, INSERT, UPDATE ON api_keys TO kinerja_admin;
GRANT SELECT, INSERT ON audit_log TO kinerja_admin;

REVOKE EXECUTE ON FUNCTION platform_onboard_tenant, platform_set_tenant_status, platform_tenants,
    platform_revoke_api_key FROM kinerja_app;
GRANT EXECUTE ON FUNCTION platform_onboard_tenant, platform_set_tenant_status, platform_tenants,
    platform_revoke_api_key, auth_api_key TO kinerja_admin;
