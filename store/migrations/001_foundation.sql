-- Foundation schema: agencies and their keys, subjects, samples with content-addressed bytes,
-- templates with a sequence for index catch-up, cases, idempotent requests and the audit log.

CREATE TABLE agencies (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id          text PRIMARY KEY,
  agency_id   text NOT NULL REFERENCES agencies(id),
  -- SHA-256 of the whole key: keys are 256-bit random, so a slow hash adds nothing.
  key_sha256  text NOT NULL UNIQUE,
  scopes      text[] NOT NULL,
  label       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

CREATE TABLE subjects (
  id            text PRIMARY KEY,
  agency_id     text NOT NULL REFERENCES agencies(id),
  external_id   text,
  category      text NOT NULL CHECK (category IN
                  ('offender','arrestee','forensic-unknown','missing-person','am-reference','pm-victim','relative')),
  -- 'none': any agency may see the subject in candidate lists; 'agency': only the owning agency.
  restriction   text NOT NULL DEFAULT 'none' CHECK (restriction IN ('none','agency')),
  retain_until  timestamptz,
  consent       boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subjects_agency ON subjects(agency_id, category);

-- Raw sample bytes, addressed by their SHA-256 (chain of custody: verified on every read).
CREATE TABLE blobs (
  sha256      text PRIMARY KEY,
  bytes       bytea NOT NULL,
  size        integer NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE samples (
  id            text PRIMARY KEY,
  subject_id    text NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
  modality      text NOT NULL CHECK (modality IN ('dna','fingerprint','face')),
  content_sha256 text NOT NULL REFERENCES blobs(sha256),
  media_type    text NOT NULL,
  capture       jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX samples_subject ON samples(subject_id);

CREATE SEQUENCE template_seq;

-- A template is the matchable form of a sample. Deleting one leaves a tombstone with a new seq and no
-- data, so that every index catching up by seq learns of the deletion.
CREATE TABLE templates (
  id                text PRIMARY KEY,
  seq               bigint NOT NULL DEFAULT nextval('template_seq') UNIQUE,
  subject_id        text NOT NULL,
  sample_id         text NOT NULL,
  agency_id         text NOT NULL,
  category          text NOT NULL,
  restriction       text NOT NULL,
  modality          text NOT NULL,
  extractor_version text NOT NULL,
  data              bytea,
  created_at        timestamptz NOT NULL DEFAULT now(),
  deleted_at        timestamptz,
  UNIQUE (sample_id, extractor_version)
);
CREATE INDEX templates_modality_seq ON templates(modality, seq);
CREATE INDEX templates_subject ON templates(subject_id);

CREATE TABLE cases (
  id          text PRIMARY KEY,
  agency_id   text NOT NULL REFERENCES agencies(id),
  kind        text NOT NULL,
  name        text NOT NULL,
  status      text NOT NULL DEFAULT 'open',
  data        jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE idempotent_requests (
  agency_id   text NOT NULL,
  key         text NOT NULL,
  route       text NOT NULL,
  status_code integer NOT NULL,
  response    jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agency_id, key)
);

CREATE TABLE audit_log (
  seq           bigint PRIMARY KEY,
  at            timestamptz NOT NULL,
  agency_id     text,
  key_id        text,
  action        text NOT NULL,
  resource_type text,
  resource_id   text,
  outcome       text NOT NULL,
  source        text,
  request_id    text,
  details       jsonb NOT NULL DEFAULT '{}'::jsonb,
  prev_hash     text NOT NULL,
  hash          text NOT NULL
);
CREATE INDEX audit_log_action ON audit_log(action, at);
CREATE INDEX audit_log_resource ON audit_log(resource_type, resource_id);

-- Append-only: the database itself refuses to change or remove an audit row.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
