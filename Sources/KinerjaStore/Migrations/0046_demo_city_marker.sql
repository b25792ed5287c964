-- A demo city is one whose employees the demo generator wrote ('demo.seed') or one marked as demo data
-- ('demo.city': `demo mark`, for a demo file imported through the real import, as the fuzz and benchmark
-- cities are). The demo commands that decide on everyone's behalf (demo plans, 360 answers, a round
-- closed) ask this before they write: a city whose employees were imported from SIASN or entered is left
-- alone. The index keeps the question cheap whatever the size of the log.
CREATE INDEX audit_log_demo_city ON audit_log (tenant_id) WHERE action IN ('demo.seed', 'demo.city');
