-- A proposed indicator keeps how its realisasi add up over the year and the catalogue template it came from,
-- as an indicator written into the SKP does: a proposal of "Persentase layanan tepat waktu" with
-- accumulation last came back as sum, and three months of 90 made a capaian of 300% once it was accepted.
ALTER TABLE iki_proposals
    ADD COLUMN accumulation text CHECK (accumulation IN ('sum', 'last', 'average')),
    ADD COLUMN template_id text;
