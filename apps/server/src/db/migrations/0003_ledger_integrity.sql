-- Double-entry integrity, enforced by the database as well as by the code:
-- every journal entry balances per currency when its transaction commits, and neither entries,
-- lines nor allocations are ever changed or removed (corrections are new, reversing rows).
CREATE OR REPLACE FUNCTION billrail_check_entry_balanced() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
  unbalanced record;
BEGIN
  SELECT currency, sum(amount) AS total INTO unbalanced
    FROM journal_lines
   WHERE tenant_id = NEW.tenant_id AND entry_id = NEW.entry_id
   GROUP BY currency
  HAVING sum(amount) <> 0
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'journal entry % does not balance in %: lines sum to %',
      NEW.entry_id, unbalanced.currency, unbalanced.total
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END
$fn$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER journal_entry_balanced
  AFTER INSERT ON journal_lines
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION billrail_check_entry_balanced();
--> statement-breakpoint
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON journal_entries
  FOR EACH ROW EXECUTE FUNCTION billrail_forbid_mutation();
--> statement-breakpoint
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON journal_lines
  FOR EACH ROW EXECUTE FUNCTION billrail_forbid_mutation();
--> statement-breakpoint
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON allocations
  FOR EACH ROW EXECUTE FUNCTION billrail_forbid_mutation();
--> statement-breakpoint
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON webhook_attempts
  FOR EACH ROW EXECUTE FUNCTION billrail_forbid_mutation();
