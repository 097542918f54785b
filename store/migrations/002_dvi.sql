-- DVI cases keep their case document (our JSON case format) in cases.data and the latest solution
-- beside it; each victim-missing person identification has its own workflow record.

ALTER TABLE cases ADD COLUMN solution jsonb;
ALTER TABLE cases ADD COLUMN solved_at timestamptz;
ALTER TABLE cases ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

CREATE TABLE dvi_identifications (
  case_id     text NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  victim      text NOT NULL,
  missing     text NOT NULL,
  status      text NOT NULL,
  record      jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (case_id, victim, missing)
);
