-- A database as the 3 December 2026 release left it (before inquiries recorded their language):
-- made by that release's code through its own contact form and store: three inquiries from the
-- English form (one picked up, its email sent; two waiting, each with its escalation queued), one
-- held as spam and listed in a spam digest, the rate-limit hits, the /healthz heartbeat, a sender
-- run and every migration that release recorded. Names, numbers and addresses are made up.
BEGIN TRANSACTION;
CREATE TABLE "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);
INSERT INTO "_sqlite_migrations" VALUES(1,'recovery-site','add_heartbeat','2026-12-03 06:23:12.474128+00:00');
INSERT INTO "_sqlite_migrations" VALUES(2,'recovery-site','add_spam_digests','2026-12-03 06:23:12.474895+00:00');
INSERT INTO "_sqlite_migrations" VALUES(3,'recovery-site','let_outbox_carry_digests','2026-12-03 06:23:12.476388+00:00');
INSERT INTO "_sqlite_migrations" VALUES(4,'recovery-site','add_pickup','2026-12-03 06:23:12.477437+00:00');
INSERT INTO "_sqlite_migrations" VALUES(5,'recovery-site','add_outbox_route','2026-12-03 06:23:12.477966+00:00');
INSERT INTO "_sqlite_migrations" VALUES(6,'recovery-site','add_escalation','2026-12-03 06:23:12.478515+00:00');
INSERT INTO "_sqlite_migrations" VALUES(7,'recovery-site','add_alerts','2026-12-03 06:23:12.479101+00:00');
INSERT INTO "_sqlite_migrations" VALUES(8,'recovery-site','let_outbox_carry_notices','2026-12-03 06:23:12.480300+00:00');
CREATE TABLE heartbeat (id INTEGER PRIMARY KEY CHECK (id = 1), written_at REAL NOT NULL);
INSERT INTO "heartbeat" VALUES(1,1.79627899280925416945e+09);
CREATE TABLE "inquiries" (
   "id" INTEGER PRIMARY KEY,
   "ref" TEXT NOT NULL,
   "submission_key" TEXT NOT NULL,
   "created_at" TEXT NOT NULL,
   "name" TEXT,
   "phone" TEXT,
   "email" TEXT,
   "contact_method" TEXT,
   "voicemail_ok" TEXT,
   "who" TEXT,
   "insurance" TEXT,
   "message" TEXT,
   "spam_reason" TEXT,
   "emailed" INTEGER
, spam_digest_id INTEGER REFERENCES "spam_digests"("id"), picked_up_by TEXT, picked_up_at TEXT, escalated_at TEXT);
INSERT INTO "inquiries" VALUES(1,'BFN6-RQVR','8a993e5f1491fec83f20e6406f0868db0c5d371229d4f911f01b9582a9313d1e','2026-12-03T06:23:12+00:00','Rosa Díaz','+1 212-555-0111','','call','no','self','Medicaid','Can someone call me tonight?',NULL,1,NULL,'Jamie (intake)','2026-12-03T06:23:12+00:00',NULL);
INSERT INTO "inquiries" VALUES(2,'FUN5-RXWW','6d81cff164b51c1c116614c25049d2067f8231aeb08b558b3a88e155649a42a1','2026-12-03T06:23:12+00:00','Tom Reyes','','tom@example.org','email','no','self','','What does treatment cost?',NULL,1,NULL,NULL,NULL,'2026-12-03T07:23:12+00:00');
INSERT INTO "inquiries" VALUES(3,'KRB2-ZVVV','351537a712cc36f18ef519feffe34c9816f66edbb89dbd09c3b9e6d110b88e5f','2026-12-03T06:23:12+00:00','Kim','+1 212-555-0113','','text','no','loved_one','','Texting is best.',NULL,1,NULL,NULL,NULL,'2026-12-03T07:23:12+00:00');
INSERT INTO "inquiries" VALUES(4,'YAMB-BHZ8','bot-key-1','2026-12-03T06:23:12+00:00','Bot','','','','','','','cheap pills','honeypot filled',0,1,NULL,NULL,NULL);
CREATE TABLE "outbox" (
   "id" INTEGER PRIMARY KEY,
   "inquiry_id" INTEGER REFERENCES "inquiries"("id"),
   "message_id" TEXT,
   "status" TEXT NOT NULL DEFAULT 'pending',
   "attempts" INTEGER DEFAULT 0,
   "created_at" REAL NOT NULL,
   "next_attempt_at" REAL NOT NULL,
   "claimed_by" TEXT,
   "claimed_until" REAL,
   "sent_at" REAL,
   "last_error" TEXT,
   "digest_id" INTEGER REFERENCES "spam_digests"("id"),
   "route" TEXT,
   "kind" TEXT NOT NULL DEFAULT 'inquiry',
   "payload" TEXT,
   "alarmed_at" REAL,
   CHECK (kind = 'alert' OR (inquiry_id IS NULL) != (digest_id IS NULL))
);
INSERT INTO "outbox" VALUES(1,1,'<inquiry-BFN6-RQVR.a337ae9f0774@www.example.org>','sent',1,1.79627899275725078586e+09,1.79627899275725078586e+09,NULL,NULL,1.79627899775725078583e+09,NULL,NULL,'primary','inquiry',NULL,NULL);
INSERT INTO "outbox" VALUES(2,2,'<inquiry-FUN5-RXWW.e3b364ba1bb0@www.example.org>','pending',0,1.79627899277481555941e+09,1.79627899277481555941e+09,NULL,NULL,NULL,NULL,NULL,NULL,'inquiry',NULL,NULL);
INSERT INTO "outbox" VALUES(3,3,'<inquiry-KRB2-ZVVV.880a429f6d1c@www.example.org>','pending',0,1.79627899279122853282e+09,1.79627899279122853282e+09,NULL,NULL,NULL,NULL,NULL,NULL,'inquiry',NULL,NULL);
INSERT INTO "outbox" VALUES(4,2,'<escalation-FUN5-RXWW.a61ad432fb83@www.example.org>','pending',0,1.79628259280440235137e+09,1.79628259280440235137e+09,NULL,NULL,NULL,NULL,NULL,NULL,'escalation',NULL,NULL);
INSERT INTO "outbox" VALUES(5,3,'<escalation-KRB2-ZVVV.0d1712ad68df@www.example.org>','pending',0,1.79628259280440235137e+09,1.79628259280440235137e+09,NULL,NULL,NULL,NULL,NULL,NULL,'escalation',NULL,NULL);
INSERT INTO "outbox" VALUES(6,NULL,'<spam-digest-1.cb321305f3e5@www.example.org>','pending',0,1.79627899280681276321e+09,1.79627899280681276321e+09,NULL,NULL,NULL,NULL,1,NULL,'digest',NULL,NULL);
CREATE TABLE rate_limits (key TEXT NOT NULL, at REAL NOT NULL, expires_at REAL NOT NULL);
INSERT INTO "rate_limits" VALUES('a4c1dcc9b3d6f79f9492e73a2c612a9aa738d0f6744a1d2f4423fb609aa34c80',1.79627899275737094872e+09,1.79628259275737094885e+09);
INSERT INTO "rate_limits" VALUES('a4c1dcc9b3d6f79f9492e73a2c612a9aa738d0f6744a1d2f4423fb609aa34c80',1.79627899277490830423e+09,1.79628259277490830419e+09);
INSERT INTO "rate_limits" VALUES('a4c1dcc9b3d6f79f9492e73a2c612a9aa738d0f6744a1d2f4423fb609aa34c80',1.79627899279132699963e+09,1.79628259279132699967e+09);
CREATE TABLE sender_runs (worker TEXT PRIMARY KEY, ran_at REAL NOT NULL);
INSERT INTO "sender_runs" VALUES('host-1:123',1.79627899281042647354e+09);
CREATE TABLE spam_digests (id INTEGER PRIMARY KEY, created_at REAL NOT NULL);
INSERT INTO "spam_digests" VALUES(1,1.79627899280681276321e+09);
CREATE UNIQUE INDEX "idx_inquiries_ref"
    ON "inquiries" ("ref");
CREATE UNIQUE INDEX "idx_inquiries_submission_key"
    ON "inquiries" ("submission_key");
CREATE INDEX "idx_inquiries_created_at"
    ON "inquiries" ("created_at");
CREATE INDEX idx_rate_limits_key_at ON rate_limits (key, at);
CREATE INDEX idx_rate_limits_expires_at ON rate_limits (expires_at);
CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");
CREATE INDEX idx_inquiries_held_undigested ON inquiries (id) WHERE spam_digest_id IS NULL AND emailed = 0 AND spam_reason IS NOT NULL AND spam_reason != '';
CREATE INDEX idx_inquiries_awaiting_pickup ON inquiries (created_at) WHERE picked_up_at IS NULL AND escalated_at IS NULL AND emailed = 1 AND (spam_reason IS NULL OR spam_reason = '');
CREATE INDEX "idx_outbox_status_next_attempt_at" ON "outbox" ("status", "next_attempt_at");
CREATE INDEX "idx_outbox_inquiry_id" ON "outbox" ("inquiry_id");
COMMIT;
