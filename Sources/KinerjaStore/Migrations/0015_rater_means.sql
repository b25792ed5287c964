-- Each rater's mean over the seven values, kept on the rater's row: the evaluation reads one row per rater
-- (600,000 for a city of 100,000) instead of aggregating every rating (4,200,000) on each run. Every
-- submission rates all seven values, so the mean of these means per source is the mean the rules ask for.
-- Null until the rater answers. Kept by the database itself: whatever writes or removes ratings, the
-- statement's own trigger recomputes the mean of each (ratee, rater) pair it touched from the ratings.
ALTER TABLE behaviour_raters ADD COLUMN mean numeric;

-- A rating changes its score, ekspektasi and comment, never whose rating of whom it is (that would leave the
-- old pair's mean behind): the application roles update those columns only.
REVOKE UPDATE ON behaviour_ratings FROM kinerja_app, kinerja_admin;
GRANT UPDATE (score, ekspektasi, comment, rated_at) ON behaviour_ratings TO kinerja_app, kinerja_admin;

-- Runs as the owner, so that the application roles need no UPDATE on behaviour_raters (nobody sets a mean
-- by hand); it touches only the pairs of the rows the statement changed, which row-level security already
-- held to the caller's city. The pairs' rows are locked first and the means computed in a statement of its
-- own, with a snapshot taken after the lock: two transactions rating different values of one pair at once
-- each see the other's committed ratings. One probe of the ratings' key per distinct pair: right for one
-- submission and for a whole city's demo feedback.
CREATE FUNCTION behaviour_rater_means() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp SET enable_nestloop = on SET enable_seqscan = off AS $$
BEGIN
    PERFORM 1 FROM behaviour_raters r
      JOIN (SELECT DISTINCT tenant_id, year, period_kind, period_seq, ratee_nip, rater_nip FROM changed) c
        ON r.tenant_id = c.tenant_id AND r.year = c.year AND r.period_kind = c.period_kind AND r.period_seq = c.period_seq
       AND r.ratee_nip = c.ratee_nip AND r.rater_nip = c.rater_nip
       ORDER BY r.tenant_id, r.year, r.period_kind, r.period_seq, r.ratee_nip, r.rater_nip
       FOR UPDATE OF r;
    UPDATE behaviour_raters r SET mean = m.mean
    FROM (SELECT c.*, (SELECT avg(g.score) FROM behaviour_ratings g
                        WHERE g.tenant_id = c.tenant_id AND g.year = c.year AND g.period_kind = c.period_kind
                          AND g.period_seq = c.period_seq AND g.ratee_nip = c.ratee_nip AND g.rater_nip = c.rater_nip) AS mean
          FROM (SELECT DISTINCT tenant_id, year, period_kind, period_seq, ratee_nip, rater_nip FROM changed) c) m
    WHERE r.tenant_id = m.tenant_id AND r.year = m.year AND r.period_kind = m.period_kind AND r.period_seq = m.period_seq
      AND r.ratee_nip = m.ratee_nip AND r.rater_nip = m.rater_nip AND r.mean IS DISTINCT FROM m.mean;
    RETURN NULL;
END $$;
CREATE TRIGGER behaviour_rater_means_on_insert AFTER INSERT ON behaviour_ratings REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION behaviour_rater_means();
CREATE TRIGGER behaviour_rater_means_on_update AFTER UPDATE ON behaviour_ratings REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION behaviour_rater_means();
CREATE TRIGGER behaviour_rater_means_on_delete AFTER DELETE ON behaviour_ratings REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION behaviour_rater_means();

-- The means of the ratings already given, with writers held off until this migration commits (the triggers
-- above keep them from here on).
LOCK TABLE behaviour_ratings IN SHARE ROW EXCLUSIVE MODE;
UPDATE behaviour_raters r SET mean = m.mean
FROM (SELECT tenant_id, year, period_kind, period_seq, ratee_nip, rater_nip, avg(score) AS mean
      FROM behaviour_ratings GROUP BY 1, 2, 3, 4, 5, 6) m
WHERE r.tenant_id = m.tenant_id AND r.year = m.year AND r.period_kind = m.period_kind AND r.period_seq = m.period_seq
  AND r.ratee_nip = m.ratee_nip AND r.rater_nip = m.rater_nip;
