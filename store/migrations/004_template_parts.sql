-- One sample may hold several templates: an ANSI/NIST tenprint transaction is one sample with a
-- template per finger. `part` numbers them; (sample, extractor, part) identifies a template.

ALTER TABLE templates ADD COLUMN part integer NOT NULL DEFAULT 0;
ALTER TABLE templates DROP CONSTRAINT templates_sample_id_extractor_version_key;
ALTER TABLE templates ADD CONSTRAINT templates_sample_extractor_part_key UNIQUE (sample_id, extractor_version, part);
