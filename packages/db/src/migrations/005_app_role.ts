/**
 * The application role `drift_app`: what the dispatcher, the workers and the admin API log in as (through the
 * RDS Proxy), with only the privileges they use. The owner (RDS master user) keeps DDL and runs the migrations.
 *
 * - its own tables (every `drift_*` table but drift_migrations): read and write; their sequences;
 * - `workspace_plugins` (the platform's): read, and update of `installed_sha` and `updated_at` only (apply);
 * - `plugin_update_queue`: read, insert, update (drift upserts, supersede, apply, dismiss);
 * - tables and sequences the migrating user creates later in this schema (later migrations add drift_* tables):
 *   the same read/write by default privileges, so a new migration needs no grant of its own.
 * No DELETE on the platform's tables, no DDL, no TRUNCATE.
 *
 * Created only when the migrating user may create roles (superuser or CREATEROLE: the RDS master user can);
 * otherwise a NOTICE says so and nothing is granted (a restricted user, as on an external database, must still
 * migrate). Its password is not here: the migrate function sets it from the AppDatabase secret. Concurrent
 * runners (tests migrate many schemas at once) may race on CREATE ROLE: the loser goes on with the grants.
 */
export default /* sql */ `
DO $$
DECLARE
  may_create boolean;
  t record;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'drift_app') THEN
    SELECT rolsuper OR rolcreaterole INTO may_create FROM pg_roles WHERE rolname = current_user;
    IF NOT coalesce(may_create, false) THEN
      RAISE NOTICE 'role drift_app not created: % may not create roles; the functions log in as the owner', current_user;
      RETURN;
    END IF;
    BEGIN
      CREATE ROLE drift_app NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
  END IF;

  EXECUTE format('GRANT USAGE ON SCHEMA %I TO drift_app', current_schema());
  FOR t IN
    SELECT c.relname, c.relkind FROM pg_class c
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'S')
      AND c.relname LIKE 'drift\\_%' AND c.relname <> 'drift_migrations'
  LOOP
    IF t.relkind = 'S' THEN
      EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %I TO drift_app', t.relname);
    ELSE
      EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %I TO drift_app', t.relname);
    END IF;
  END LOOP;
  GRANT SELECT ON TABLE workspace_plugins TO drift_app;
  GRANT UPDATE (installed_sha, updated_at) ON TABLE workspace_plugins TO drift_app;
  GRANT SELECT, INSERT, UPDATE ON TABLE plugin_update_queue TO drift_app;
  EXECUTE format(
    'ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO drift_app',
    current_schema());
  EXECUTE format(
    'ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO drift_app', current_schema());
END
$$;
`;
