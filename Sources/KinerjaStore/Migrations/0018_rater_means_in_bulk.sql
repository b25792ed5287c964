-- The rater means trigger (0015) probes the ratings' key once per pair the statement touched, with row-by-row
-- joins forced: right for one submission (seven ratings of one pair), and for the few thousand pairs of a
-- small city's demo feedback. For a whole city of 100,000 answered in one statement (4,200,000 ratings of
-- 600,000 pairs, the demo and benchmark feedback, or a bulk load) the forced plan rescanned a spilled set of
-- pairs once per rater row: `demo rate` ran for more than ten minutes without finishing. A statement of more
-- than 7,000 ratings (a thousand pairs) now takes the set-based path, per period it touches: the pairs are
-- hashed, the rater rows of that period locked in key order and the means computed in one grouped pass over
-- that period's ratings. Small statements keep the probes. Both lock the pairs' rows in the key order before
-- computing, so writers of the same pairs queue rather than deadlock, and the means are computed from a
-- snapshot taken after the locks.
CREATE OR REPLACE FUNCTION behaviour_rater_means() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp SET enable_nestloop = on SET enable_seqscan = off
    SET enable_hashjoin = on SET enable_mergejoin = off AS $$
DECLARE
    p record;
BEGIN
    IF (SELECT count(*) FROM changed) <= 7000 THEN
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
    END IF;
    -- Set-based: hash joins over the period's rows (these settings end with the function).
    PERFORM set_config('enable_nestloop', 'off', true);
    PERFORM set_config('enable_seqscan', 'on', true);
    FOR p IN SELECT DISTINCT tenant_id, year, period_kind, period_seq FROM changed ORDER BY 1, 2, 3, 4 LOOP
        PERFORM 1 FROM behaviour_raters r
          JOIN (SELECT DISTINCT ratee_nip, rater_nip FROM changed
                 WHERE tenant_id = p.tenant_id AND year = p.year AND period_kind = p.period_kind AND period_seq = p.period_seq) c
            ON r.ratee_nip = c.ratee_nip AND r.rater_nip = c.rater_nip
         WHERE r.tenant_id = p.tenant_id AND r.year = p.year AND r.period_kind = p.period_kind AND r.period_seq = p.period_seq
         ORDER BY r.ratee_nip, r.rater_nip
           FOR UPDATE OF r;
        UPDATE behaviour_raters r SET mean = m.mean
        FROM (SELECT c.ratee_nip, c.rater_nip, avg(g.score) AS mean
              FROM (SELECT DISTINCT ratee_nip, rater_nip FROM changed
                     WHERE tenant_id = p.tenant_id AND year = p.year AND period_kind = p.period_kind AND period_seq = p.period_seq) c
              LEFT JOIN behaviour_ratings g
                ON g.tenant_id = p.tenant_id AND g.year = p.year AND g.period_kind = p.period_kind AND g.period_seq = p.period_seq
               AND g.ratee_nip = c.ratee_nip AND g.rater_nip = c.rater_nip
              GROUP BY c.ratee_nip, c.rater_nip) m
        WHERE r.tenant_id = p.tenant_id AND r.year = p.year AND r.period_kind = p.period_kind AND r.period_seq = p.period_seq
          AND r.ratee_nip = m.ratee_nip AND r.rater_nip = m.rater_nip AND r.mean IS DISTINCT FROM m.mean;
    END LOOP;
    RETURN NULL;
END $$;
