CREATE TABLE "alert_deliveries" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "alert_deliveries_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"alert_id" bigint NOT NULL,
	"channel" text NOT NULL,
	"target" text NOT NULL,
	"event" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "alerts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"store_id" text NOT NULL,
	"fingerprint" text NOT NULL,
	"metric" text NOT NULL,
	"release_id" bigint,
	"status" text NOT NULL,
	"severity" text DEFAULT 'warning' NOT NULL,
	"title" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "api_keys_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"store_id" text,
	"kind" text NOT NULL,
	"key_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"store_id" text,
	"action" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "browser_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "browser_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"store_id" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"beacon_id" text,
	"event_name" text,
	"event_id" text,
	"order_id" text,
	"pixel_loaded" boolean,
	"pixel_tracked" boolean,
	"probe_ok" boolean,
	"page_load_ms" integer,
	"left_before_send" boolean,
	"consent" text DEFAULT 'unknown' NOT NULL,
	"has_ttclid" boolean,
	"has_ttp" boolean,
	"browser" text,
	"browser_major" integer,
	"os" text,
	"os_major" integer,
	"device_type" text,
	"page_url" text
);
--> statement-breakpoint
CREATE TABLE "health_snapshots" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "health_snapshots_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"store_id" text NOT NULL,
	"kind" text NOT NULL,
	"window_from" date NOT NULL,
	"window_to" date NOT NULL,
	"settled" boolean NOT NULL,
	"metrics" jsonb NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "job_runs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "job_runs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"task" text NOT NULL,
	"fire_time" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"claimed_by" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"duration_ms" integer,
	"counts" jsonb,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "orders" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "orders_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"store_id" text NOT NULL,
	"platform_id" text NOT NULL,
	"name" text,
	"processed_at" timestamp with time zone NOT NULL,
	"platform_updated_at" timestamp with time zone,
	"value" numeric(14, 2) NOT NULL,
	"currency" char(3) NOT NULL,
	"test" boolean DEFAULT false NOT NULL,
	"cancelled_at" timestamp with time zone,
	"channel" text,
	"in_scope" boolean NOT NULL,
	"scope_reason" text,
	"attribution" text DEFAULT 'none' NOT NULL,
	"attribution_visit" text,
	"utm_source" text,
	"referrer_host" text,
	"first_visit_at" timestamp with time zone,
	"days_to_conversion" integer,
	"browser" text,
	"browser_major" integer,
	"os" text,
	"os_major" integer,
	"email_sha256" char(64),
	"phone_sha256" char(64),
	"external_id_sha256" char(64),
	"ip" text,
	"user_agent" text,
	"ttclid" text,
	"ttp" text,
	"pii_purged_at" timestamp with time zone,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "relay_outbox" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "relay_outbox_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"store_id" text NOT NULL,
	"body" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "releases" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "releases_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"store_id" text NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"source" text NOT NULL,
	"released_at" timestamp with time zone NOT NULL,
	"external_ref" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "resend_items" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "resend_items_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"store_id" text NOT NULL,
	"order_platform_id" text NOT NULL,
	"event_name" text NOT NULL,
	"event_id" text NOT NULL,
	"batch_id" text NOT NULL,
	"status" text DEFAULT 'reserved' NOT NULL,
	"tiktok_code" integer,
	"tiktok_message" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "server_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "server_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"store_id" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"source" text NOT NULL,
	"event_time" timestamp with time zone,
	"event_name" text,
	"event_id" text,
	"order_id" text,
	"test_event_code" text,
	"value" numeric(14, 2),
	"currency" text,
	"has_email" boolean DEFAULT false NOT NULL,
	"has_phone" boolean DEFAULT false NOT NULL,
	"has_external_id" boolean DEFAULT false NOT NULL,
	"has_ttclid" boolean DEFAULT false NOT NULL,
	"has_ttp" boolean DEFAULT false NOT NULL,
	"has_ip" boolean DEFAULT false NOT NULL,
	"has_user_agent" boolean DEFAULT false NOT NULL,
	"lint_codes" text[] DEFAULT '{}'::text[] NOT NULL,
	"fixes" text[] DEFAULT '{}'::text[] NOT NULL,
	"delivery" text NOT NULL,
	"tiktok_code" integer,
	"tiktok_message" text,
	"outbox_id" bigint
);
--> statement-breakpoint
CREATE TABLE "store_secrets" (
	"store_id" text NOT NULL,
	"name" text NOT NULL,
	"ciphertext" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "store_secrets_store_id_name_pk" PRIMARY KEY("store_id","name")
);
--> statement-breakpoint
CREATE TABLE "stores" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"platform" text NOT NULL,
	"shop_domain" text,
	"base_url" text,
	"timezone" text NOT NULL,
	"currency" char(3) NOT NULL,
	"phone_country" char(2),
	"pixel_code" text,
	"pixel_id" text,
	"advertiser_id" text,
	"event_id_template" text DEFAULT '{order_id}' NOT NULL,
	"relay_mode" text DEFAULT 'forward' NOT NULL,
	"retention_days" integer DEFAULT 30 NOT NULL,
	"outbox_horizon_hours" integer DEFAULT 24 NOT NULL,
	"resend_max_age_days" integer DEFAULT 7 NOT NULL,
	"public_key" text NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_cursors" (
	"store_id" text NOT NULL,
	"kind" text NOT NULL,
	"value" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sync_cursors_store_id_kind_pk" PRIMARY KEY("store_id","kind")
);
--> statement-breakpoint
CREATE TABLE "tiktok_daily_counts" (
	"store_id" text NOT NULL,
	"day" date NOT NULL,
	"total" integer NOT NULL,
	"browser" integer NOT NULL,
	"server" integer NOT NULL,
	"attributed" integer NOT NULL,
	"event_type" text,
	"fetched_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tiktok_daily_counts_store_id_day_pk" PRIMARY KEY("store_id","day")
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "webhook_deliveries_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"store_id" text NOT NULL,
	"platform" text NOT NULL,
	"webhook_id" text NOT NULL,
	"topic" text NOT NULL,
	"resource_id" text,
	"outcome" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "alert_deliveries" ADD CONSTRAINT "alert_deliveries_alert_id_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alerts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_release_id_releases_id_fk" FOREIGN KEY ("release_id") REFERENCES "public"."releases"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "browser_events" ADD CONSTRAINT "browser_events_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "health_snapshots" ADD CONSTRAINT "health_snapshots_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "relay_outbox" ADD CONSTRAINT "relay_outbox_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "releases" ADD CONSTRAINT "releases_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resend_items" ADD CONSTRAINT "resend_items_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "server_events" ADD CONSTRAINT "server_events_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "store_secrets" ADD CONSTRAINT "store_secrets_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_cursors" ADD CONSTRAINT "sync_cursors_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tiktok_daily_counts" ADD CONSTRAINT "tiktok_daily_counts_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "public"."stores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alert_deliveries_due_idx" ON "alert_deliveries" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_fingerprint_uq" ON "alerts" USING btree ("fingerprint");--> statement-breakpoint
CREATE INDEX "alerts_store_status_idx" ON "alerts" USING btree ("store_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_hash_uq" ON "api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "api_keys_store_idx" ON "api_keys" USING btree ("store_id");--> statement-breakpoint
CREATE INDEX "audit_log_store_at_idx" ON "audit_log" USING btree ("store_id","at");--> statement-breakpoint
CREATE INDEX "browser_events_store_order_idx" ON "browser_events" USING btree ("store_id","order_id");--> statement-breakpoint
CREATE INDEX "browser_events_store_received_idx" ON "browser_events" USING btree ("store_id","received_at");--> statement-breakpoint
CREATE UNIQUE INDEX "browser_events_beacon_uq" ON "browser_events" USING btree ("store_id","beacon_id");--> statement-breakpoint
CREATE UNIQUE INDEX "health_snapshots_window_uq" ON "health_snapshots" USING btree ("store_id","kind","window_from","window_to");--> statement-breakpoint
CREATE UNIQUE INDEX "job_runs_fire_uq" ON "job_runs" USING btree ("task","fire_time");--> statement-breakpoint
CREATE INDEX "job_runs_started_idx" ON "job_runs" USING btree ("started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "orders_store_platform_uq" ON "orders" USING btree ("store_id","platform_id");--> statement-breakpoint
CREATE INDEX "orders_store_processed_idx" ON "orders" USING btree ("store_id","processed_at");--> statement-breakpoint
CREATE INDEX "orders_pending_idx" ON "orders" USING btree ("store_id") WHERE "orders"."attribution" = 'pending';--> statement-breakpoint
CREATE INDEX "orders_purge_idx" ON "orders" USING btree ("store_id","processed_at") WHERE "orders"."pii_purged_at" is null;--> statement-breakpoint
CREATE INDEX "relay_outbox_due_idx" ON "relay_outbox" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "releases_store_time_idx" ON "releases" USING btree ("store_id","released_at");--> statement-breakpoint
CREATE UNIQUE INDEX "releases_external_ref_uq" ON "releases" USING btree ("store_id","source","external_ref");--> statement-breakpoint
CREATE UNIQUE INDEX "resend_items_once_uq" ON "resend_items" USING btree ("store_id","order_platform_id","event_name");--> statement-breakpoint
CREATE INDEX "server_events_store_order_idx" ON "server_events" USING btree ("store_id","order_id");--> statement-breakpoint
CREATE INDEX "server_events_store_time_idx" ON "server_events" USING btree ("store_id","event_time");--> statement-breakpoint
CREATE INDEX "server_events_outbox_idx" ON "server_events" USING btree ("outbox_id") WHERE "server_events"."outbox_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "stores_name_uq" ON "stores" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "stores_shop_domain_uq" ON "stores" USING btree ("shop_domain");--> statement-breakpoint
CREATE UNIQUE INDEX "stores_pixel_code_uq" ON "stores" USING btree ("pixel_code");--> statement-breakpoint
CREATE UNIQUE INDEX "stores_public_key_uq" ON "stores" USING btree ("public_key");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_deliveries_uq" ON "webhook_deliveries" USING btree ("platform","webhook_id");