-- Templates of image modalities carry metadata beside their bytes (face box and quality, finger
-- position, minutiae count), and the store has an identity so that a worker's on-disk index snapshot
-- is never applied to a different store.

ALTER TABLE templates ADD COLUMN meta jsonb NOT NULL DEFAULT '{}'::jsonb;

CREATE TABLE store_identity (
  id          text PRIMARY KEY,
  created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO store_identity (id) VALUES (gen_random_uuid()::text);
