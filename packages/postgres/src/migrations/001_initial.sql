-- Object records. Keys sort by their UTF-8 bytes (COLLATE "C"), as every store lists them.
CREATE TABLE stowage_objects (
  key          text COLLATE "C" PRIMARY KEY,
  backend      text NOT NULL,
  bucket       text,
  size         bigint NOT NULL CHECK (size >= 0),
  content_type text NOT NULL,
  etag         text NOT NULL,
  sha256       text,
  visibility   text NOT NULL CHECK (visibility IN ('public', 'private')),
  category     text,
  owner        text,
  attributes   jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  deleted_at   timestamptz
);
CREATE INDEX stowage_objects_owner_key ON stowage_objects (owner, key) WHERE owner IS NOT NULL;
CREATE INDEX stowage_objects_category_key ON stowage_objects (category, key) WHERE category IS NOT NULL;

-- Append-only audit events; the identity is the cursor (monotonic).
CREATE TABLE stowage_audit (
  id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  action  text NOT NULL,
  key     text COLLATE "C" NOT NULL,
  actor   text,
  at      timestamptz NOT NULL,
  details jsonb
);
CREATE INDEX stowage_audit_key_id ON stowage_audit (key, id);
CREATE INDEX stowage_audit_actor_id ON stowage_audit (actor, id) WHERE actor IS NOT NULL;

-- Durable state of long-running work, versioned for compare-and-swap.
CREATE TABLE stowage_jobs (
  kind       text NOT NULL,
  id         text COLLATE "C" NOT NULL,
  data       jsonb NOT NULL,
  version    bigint NOT NULL CHECK (version > 0),
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (kind, id)
);

-- The percentage of each named hybrid rollout; every change bumps the version and NOTIFYs.
CREATE TABLE stowage_rollouts (
  name       text PRIMARY KEY,
  percentage integer NOT NULL CHECK (percentage BETWEEN 0 AND 100),
  version    bigint NOT NULL CHECK (version > 0),
  updated_at timestamptz NOT NULL
);
