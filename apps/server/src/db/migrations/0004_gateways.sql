CREATE TABLE "checkouts" (
	"tenant_id" text NOT NULL,
	"mode" text NOT NULL,
	"id" text NOT NULL,
	"purpose" text NOT NULL,
	"gateway" text NOT NULL,
	"account_id" text,
	"bill_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"currency" text NOT NULL,
	"amount" bigint NOT NULL,
	"description" text NOT NULL,
	"status" text NOT NULL,
	"failure_reason" text,
	"failure_code" text,
	"failure_message" text,
	"gateway_reference" text,
	"gateway_payment_id" text,
	"redirect_url" text,
	"return_to" text,
	"payment_id" text,
	"refund_id" text,
	"payer_email" text,
	"created_by" text,
	"config_version" integer,
	"expires_at" timestamp with time zone NOT NULL,
	"gateway_detail" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "checkouts_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "checkouts_amount" CHECK ("checkouts"."amount" > 0)
);
--> statement-breakpoint
CREATE TABLE "gateway_configs" (
	"tenant_id" text NOT NULL,
	"mode" text NOT NULL,
	"gateway" text NOT NULL,
	"active" boolean DEFAULT false NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"secrets_sealed" text,
	"config_version" integer DEFAULT 1 NOT NULL,
	"status" text DEFAULT 'not_connected' NOT NULL,
	"connected_version" integer,
	"connected_at" timestamp with time zone,
	"last_connect_checkout_id" text,
	"last_connect_detail" jsonb,
	"last_check_at" timestamp with time zone,
	"last_check_ok" boolean,
	"last_check_detail" text,
	"settlements_synced_until" timestamp with time zone,
	"webhook_token" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gateway_configs_tenant_id_mode_gateway_pk" PRIMARY KEY("tenant_id","mode","gateway")
);
--> statement-breakpoint
CREATE TABLE "gateway_events" (
	"tenant_id" text NOT NULL,
	"mode" text NOT NULL,
	"id" text NOT NULL,
	"gateway" text NOT NULL,
	"event_id" text NOT NULL,
	"type" text NOT NULL,
	"gateway_type" text NOT NULL,
	"checkout_id" text,
	"event" jsonb NOT NULL,
	"raw_body" text NOT NULL,
	"status" text DEFAULT 'received' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone,
	"last_error" text,
	"outcome" text,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone,
	CONSTRAINT "gateway_events_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "refunds" (
	"tenant_id" text NOT NULL,
	"mode" text NOT NULL,
	"id" text NOT NULL,
	"payment_id" text NOT NULL,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"reason" text NOT NULL,
	"gateway" text,
	"gateway_refund_id" text,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "refunds_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "refunds_amount" CHECK ("refunds"."amount" > 0)
);
--> statement-breakpoint
ALTER TABLE "gateway_configs" ADD CONSTRAINT "gateway_configs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "checkouts_gateway_ref_key" ON "checkouts" USING btree ("tenant_id","mode","gateway","gateway_reference");--> statement-breakpoint
CREATE INDEX "checkouts_account_idx" ON "checkouts" USING btree ("tenant_id","mode","account_id");--> statement-breakpoint
CREATE INDEX "checkouts_open_idx" ON "checkouts" USING btree ("status","expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "gateway_configs_webhook_token_key" ON "gateway_configs" USING btree ("webhook_token");--> statement-breakpoint
CREATE UNIQUE INDEX "gateway_events_event_key" ON "gateway_events" USING btree ("tenant_id","mode","gateway","event_id");--> statement-breakpoint
CREATE INDEX "gateway_events_due_idx" ON "gateway_events" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE UNIQUE INDEX "refunds_gateway_key" ON "refunds" USING btree ("tenant_id","mode","gateway","gateway_refund_id");--> statement-breakpoint
CREATE INDEX "refunds_payment_idx" ON "refunds" USING btree ("tenant_id","payment_id");