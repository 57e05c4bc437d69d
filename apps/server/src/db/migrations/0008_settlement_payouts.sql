ALTER TABLE "statement_imports" ADD COLUMN "external_id" text;--> statement-breakpoint
ALTER TABLE "statement_imports" ADD COLUMN "net_amount" bigint;--> statement-breakpoint
ALTER TABLE "statement_imports" ADD COLUMN "arrival_date" text;--> statement-breakpoint
ALTER TABLE "statement_imports" ADD COLUMN "bank_line_id" text;--> statement-breakpoint
CREATE INDEX "statement_imports_external_idx" ON "statement_imports" USING btree ("tenant_id","mode","external_id");