-- The scope a report job was made for, as the caller's role and grants narrowed it (an OPD for a kepala, the
-- figures of small groups left out for an integrator key that reads no one's assessment): its file goes to a
-- key other than city HR's only while the same request would still be narrowed to the same scope. Jobs made
-- before this have none, and are asked for again.
ALTER TABLE report_jobs ADD COLUMN scope jsonb;
