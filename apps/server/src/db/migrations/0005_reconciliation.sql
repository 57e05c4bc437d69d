CREATE TABLE "statement_imports" (
	"tenant_id" text NOT NULL,
	"mode" text NOT NULL,
	"id" text NOT NULL,
	"source" text NOT NULL,
	"format" text NOT NULL,
	"filename" text,
	"file_sha256" text NOT NULL,
	"currency" text NOT NULL,
	"line_count" integer DEFAULT 0 NOT NULL,
	"matched_count" integer DEFAULT 0 NOT NULL,
	"matched_amount" bigint DEFAULT 0 NOT NULL,
	"recorded_count" integer DEFAULT 0 NOT NULL,
	"exception_count" integer DEFAULT 0 NOT NULL,
	"gateway_fees" bigint DEFAULT 0 NOT NULL,
	"platform_fee" bigint DEFAULT 0 NOT NULL,
	"state" text NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "statement_imports_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "statement_lines" (
	"tenant_id" text NOT NULL,
	"mode" text NOT NULL,
	"id" text NOT NULL,
	"import_id" text NOT NULL,
	"line_no" integer NOT NULL,
	"account" text NOT NULL,
	"dedupe_key" text,
	"booking_date" text NOT NULL,
	"value_date" text,
	"direction" text NOT NULL,
	"reversal" boolean DEFAULT false NOT NULL,
	"amount" bigint NOT NULL,
	"fee" bigint DEFAULT 0 NOT NULL,
	"currency" text NOT NULL,
	"reference" text,
	"remittance" text DEFAULT '' NOT NULL,
	"counterparty" text,
	"status" text NOT NULL,
	"match_rule" text,
	"payment_id" text,
	"note" text,
	"resolved_by" text,
	"resolved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "statement_lines_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "statement_sources" (
	"tenant_id" text NOT NULL,
	"mode" text NOT NULL,
	"name" text NOT NULL,
	"format" text DEFAULT 'auto' NOT NULL,
	"mapping" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "statement_sources_tenant_id_mode_name_pk" PRIMARY KEY("tenant_id","mode","name")
);
--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "settlement_fee" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "platform_fee_bps" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "report_emails" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "report_time" text DEFAULT '07:00' NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "last_report_date" text;--> statement-breakpoint
ALTER TABLE "statement_sources" ADD CONSTRAINT "statement_sources_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "statement_imports_file_key" ON "statement_imports" USING btree ("tenant_id","mode","file_sha256");--> statement-breakpoint
CREATE UNIQUE INDEX "statement_lines_dedupe_key" ON "statement_lines" USING btree ("tenant_id","mode","account","dedupe_key");--> statement-breakpoint
CREATE INDEX "statement_lines_import_idx" ON "statement_lines" USING btree ("tenant_id","import_id");--> statement-breakpoint
CREATE INDEX "statement_lines_status_idx" ON "statement_lines" USING btree ("tenant_id","mode","status");--> statement-breakpoint
CREATE INDEX "payments_channel_ref_idx" ON "payments" USING btree ("tenant_id","mode","channel_ref");--> statement-breakpoint
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_platform_fee" CHECK ("tenants"."platform_fee_bps" between 0 and 10000);