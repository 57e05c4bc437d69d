-- Double-entry integrity, enforced by the database as well as by the code:
-- every journal entry balances per currency, and neither entries, lines nor allocations are
-- ever changed or removed (corrections are new, reversing rows).
--
-- The balance check is one query per INSERT statement (a statement trigger over the inserted
-- rows), not one per line: an entry's lines must therefore be inserted by one statement, which
-- is how ledger.service.ts writes them; lines added to an entry later would unbalance it and be
-- refused.
CREATE OR REPLACE FUNCTION billrail_check_entries_balanced() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
  unbalanced record;
BEGIN
  SELECT l.entry_id, l.currency, sum(l.amount) AS total INTO unbalanced
    FROM journal_lines l
   WHERE (l.tenant_id, l.entry_id) IN (SELECT DISTINCT n.tenant_id, n.entry_id FROM new_lines n)
   GROUP BY l.entry_id, l.currency
  HAVING sum(l.amount) <> 0
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'journal entry % does not balance in %: lines sum to %',
      unbalanced.entry_id, unbalanced.currency, unbalanced.total
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END
$fn$;
--> statement-breakpoint
CREATE TRIGGER journal_entry_balanced
  AFTER INSERT ON journal_lines
  REFERENCING NEW TABLE AS new_lines
  FOR EACH STATEMENT EXECUTE FUNCTION billrail_check_entries_balanced();
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
--> statement-breakpoint
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON journal_entries
  FOR EACH STATEMENT EXECUTE FUNCTION billrail_forbid_mutation();
--> statement-breakpoint
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON journal_lines
  FOR EACH STATEMENT EXECUTE FUNCTION billrail_forbid_mutation();
--> statement-breakpoint
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON allocations
  FOR EACH STATEMENT EXECUTE FUNCTION billrail_forbid_mutation();
--> statement-breakpoint
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON webhook_attempts
  FOR EACH STATEMENT EXECUTE FUNCTION billrail_forbid_mutation();
