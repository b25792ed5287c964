-- Each rater's mean over the seven values, kept on the rater's row: the evaluation reads one row per rater
-- (600,000 for a city of 100,000) instead of aggregating every rating (4,200,000) on each run. Every
-- submission rates all seven values, so the mean of these means per source is the mean the rules ask for.
-- Null until the rater answers. Kept by the database itself: whatever writes or removes ratings, the
-- statement's own trigger recomputes the mean of each (ratee, rater) pair it touched from the ratings.
ALTER TABLE behaviour_raters ADD COLUMN mean numeric;

UPDATE behaviour_raters r SET mean = m.mean
FROM (SELECT tenant_id, year, period_kind, period_seq, ratee_nip, rater_nip, avg(score) AS mean
      FROM behaviour_ratings GROUP BY 1, 2, 3, 4, 5, 6) m
WHERE r.tenant_id = m.tenant_id AND r.year = m.year AND r.period_kind = m.period_kind AND r.period_seq = m.period_seq
  AND r.ratee_nip = m.ratee_nip AND r.rater_nip = m.rater_nip;

-- Runs as the owner, so that the application roles need no UPDATE on behaviour_raters (nobody sets a mean
-- by hand); it touches only the pairs of the rows the statement changed, which row-level security already
-- held to the caller's city. One probe of the ratings' key per distinct pair: right for one submission and
-- for a whole city's demo feedback.
CREATE FUNCTION behaviour_rater_means() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp SET enable_nestloop = on SET enable_seqscan = off AS $$
BEGIN
    UPDATE behaviour_raters r SET mean = m.mean
    FROM (SELECT c.*, (SELECT avg(g.score) FROM behaviour_ratings g
                        WHERE g.tenant_id = c.tenant_id AND g.year = c.year AND g.period_kind = c.period_kind
                          AND g.period_seq = c.period_seq AND g.ratee_nip = c.ratee_nip AND g.rater_nip = c.rater_nip) AS mean
          FROM (SELECT DISTINCT tenant_id, year, period_kind, period_seq, ratee_nip, rater_nip FROM changed) c) m
    WHERE r.tenant_id = m.tenant_id AND r.year = m.year AND r.period_kind = m.period_kind AND r.period_seq = m.period_seq
      AND r.ratee_nip = m.ratee_nip AND r.rater_nip = m.rater_nip AND r.mean IS DISTINCT FROM m.mean;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION behaviour_rater_means FROM PUBLIC;
CREATE TRIGGER behaviour_rater_means_on_insert AFTER INSERT ON behaviour_ratings REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION behaviour_rater_means();
CREATE TRIGGER behaviour_rater_means_on_update AFTER UPDATE ON behaviour_ratings REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION behaviour_rater_means();
CREATE TRIGGER behaviour_rater_means_on_delete AFTER DELETE ON behaviour_ratings REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION behaviour_rater_means();
