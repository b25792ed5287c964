-- Every NIP column becomes text (it was char(18)); the check that a NIP is 18 digits stays.
--
-- The driver sends a Swift string as text, and `char(18) = text` compares the column cast to text, which no
-- index on the column serves: looking up one employee by NIP read every employee of the city (2,000 rows
-- filtered for one in a city of 2,000; 100,000 in a city of 100,000). With text columns the same statements
-- use the primary key. NIPs are always 18 digits, so no value changes.
--
-- Foreign keys between NIP columns, and triggers that name one (UPDATE OF nip, WHEN on it), are dropped and
-- made again around the change, from their definitions in the catalog; each table is rewritten once, with all
-- its NIP columns.
DO $$
DECLARE
    r record;
BEGIN
    CREATE TEMP TABLE nip_foreign_keys ON COMMIT DROP AS
        SELECT c.conrelid::regclass::text AS tbl, c.conname::text AS name, pg_get_constraintdef(c.oid) AS def
        FROM pg_constraint c
        WHERE c.contype = 'f'
          AND EXISTS (SELECT 1 FROM pg_attribute a
                      WHERE ((a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey))
                             OR (a.attrelid = c.confrelid AND a.attnum = ANY (c.confkey)))
                        AND a.atttypid = 'bpchar'::regtype AND a.atttypmod = 18 + 4);
    CREATE TEMP TABLE nip_triggers ON COMMIT DROP AS
        SELECT DISTINCT t.tgrelid::regclass::text AS tbl, t.tgname::text AS name, pg_get_triggerdef(t.oid) AS def
        FROM pg_trigger t
        JOIN pg_depend d ON d.classid = 'pg_trigger'::regclass AND d.objid = t.oid AND d.refclassid = 'pg_class'::regclass
        JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE NOT t.tgisinternal AND a.atttypid = 'bpchar'::regtype AND a.atttypmod = 18 + 4;
    FOR r IN SELECT * FROM nip_foreign_keys LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.tbl, r.name);
    END LOOP;
    FOR r IN SELECT * FROM nip_triggers LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', r.name, r.tbl);
    END LOOP;
    FOR r IN
        SELECT k.oid::regclass::text AS tbl,
               string_agg(format('ALTER COLUMN %I TYPE text', a.attname), ', ' ORDER BY a.attnum) AS changes
        FROM pg_attribute a
        JOIN pg_class k ON k.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = k.relnamespace
        WHERE n.nspname = 'public' AND k.relkind IN ('r', 'p') AND NOT k.relispartition
          AND a.attnum > 0 AND NOT a.attisdropped
          AND a.atttypid = 'bpchar'::regtype AND a.atttypmod = 18 + 4
        GROUP BY k.oid
    LOOP
        EXECUTE format('ALTER TABLE %s %s', r.tbl, r.changes);
    END LOOP;
    FOR r IN SELECT * FROM nip_foreign_keys LOOP
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', r.tbl, r.name, r.def);
    END LOOP;
    FOR r IN SELECT * FROM nip_triggers LOOP
        EXECUTE r.def;
    END LOOP;
END $$;
