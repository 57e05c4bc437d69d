CREATE TABLE "payment_links" (
	"tenant_id" text NOT NULL,
	"mode" text NOT NULL,
	"id" text NOT NULL,
	"token" text NOT NULL,
	"bill_id" text,
	"account_id" text,
	"amount" bigint,
	"currency" text NOT NULL,
	"description" text NOT NULL,
	"reusable" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"uses" integer DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payment_links_tenant_id_id_pk" PRIMARY KEY("tenant_id","id"),
	CONSTRAINT "payment_links_target" CHECK ("payment_links"."bill_id" is not null or ("payment_links"."account_id" is not null and "payment_links"."amount" > 0))
);
--> statement-breakpoint
ALTER TABLE "checkouts" ADD COLUMN "payment_link_id" text;--> statement-breakpoint
ALTER TABLE "payment_links" ADD CONSTRAINT "payment_links_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "payment_links_token_key" ON "payment_links" USING btree ("token");