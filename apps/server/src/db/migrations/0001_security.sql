-- Tenant isolation by row-level security.
--
-- Requests run their queries inside a transaction that has done
--   set_config('role', 'billrail_app', true), set_config('app.tenant_id', <tenant>, true),
--   set_config('app.mode', <test|live>, true)
-- so even a query that forgets its tenant filter cannot see another tenant's rows.
-- billrail_app is a NOLOGIN role without BYPASSRLS; the connecting (owner) role runs only
-- migrations and the few platform-level look-ups (session by token hash, tenant by slug).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'billrail_app') THEN
    CREATE ROLE billrail_app NOLOGIN NOBYPASSRLS;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL; -- another database on the same server created it concurrently
END
$$;
--> statement-breakpoint
DO $$
BEGIN
  -- The connecting role must be able to SET ROLE billrail_app (superusers always can).
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT billrail_app TO %I', current_user);
  END IF;
END
$$;
--> statement-breakpoint
-- Applies (idempotently) the isolation policy to every table that has a tenant_id column and
-- grants billrail_app its table privileges. Called at the end of every migration run, so a
-- table added by a later migration is covered without anyone remembering to do it.
CREATE OR REPLACE FUNCTION billrail_secure_tenant_tables() RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  t record;
  predicate text;
BEGIN
  EXECUTE 'GRANT USAGE ON SCHEMA public TO billrail_app';
  FOR t IN
    SELECT c.relname AS table_name,
           EXISTS (SELECT 1 FROM pg_attribute a
                    WHERE a.attrelid = c.oid AND a.attname = 'mode' AND NOT a.attisdropped) AS has_mode
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
       AND EXISTS (SELECT 1 FROM pg_attribute a
                    WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
  LOOP
    predicate := 'tenant_id = current_setting(''app.tenant_id'', true)';
    IF t.has_mode THEN
      predicate := predicate || ' AND mode = current_setting(''app.mode'', true)';
    END IF;
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t.table_name);
    EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t.table_name);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I TO billrail_app USING (%s) WITH CHECK (%s)',
                   t.table_name, predicate, predicate);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO billrail_app', t.table_name);
  END LOOP;
  -- Append-only tables (those with the append_only trigger): the application role may only
  -- read and insert.
  FOR t IN
    SELECT DISTINCT event_object_table AS table_name FROM information_schema.triggers
     WHERE trigger_name = 'append_only' AND event_object_schema = 'public'
  LOOP
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %I FROM billrail_app', t.table_name);
  END LOOP;
  EXECUTE 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO billrail_app';
END
$fn$;
--> statement-breakpoint
-- Trigger function for append-only tables (audit log, ledger): no row is ever changed or
-- removed, not even by the owner role.
CREATE OR REPLACE FUNCTION billrail_forbid_mutation() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$fn$;
--> statement-breakpoint
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION billrail_forbid_mutation();
--> statement-breakpoint
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION billrail_forbid_mutation();
--> statement-breakpoint
-- The platform operator's own tenant: platform admins are its users.
INSERT INTO tenants (id, tenant_id, slug, name, currency, time_zone, locale, display_name)
VALUES ('ten_platform', 'ten_platform', 'platform', 'Billrail Platform', 'USD', 'UTC', 'en', 'Billrail');
