-- A database as the 2 December 2026 release left it: made by that release's `flask init-db`, then
-- written by its own code: six inquiries (two held as spam, one of them listed in a spam digest),
-- staff emails sent, pending, retrying and dead, the spam digest's email, the /healthz heartbeat
-- and a rate-limit hit. Names, numbers and addresses are made up.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE IF NOT EXISTS "inquiries" (
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
, spam_digest_id INTEGER REFERENCES "spam_digests"("id"));
INSERT INTO inquiries VALUES(1,'GT5G-J2BR','key-0','2026-12-02T08:00:00+00:00','Sam Rivera','+1 212-555-0101','','call','yes','self','Medicaid','Can someone call me today?',NULL,1,NULL);
INSERT INTO inquiries VALUES(2,'8DVC-7Z84','key-1','2026-12-02T08:01:00+00:00','Ana Lopez','+1 212-555-0102','ana@example.org','text','no','loved_one','Aetna','My son needs help.',NULL,1,NULL);
INSERT INTO inquiries VALUES(3,'GH3F-UH33','key-2','2026-12-02T08:02:00+00:00','Jo Kim','','jo@example.org','email','','self','','What does detox cost?',NULL,1,NULL);
INSERT INTO inquiries VALUES(4,'GS4V-7G8X','key-3','2026-12-02T08:03:00+00:00','Lee','+1 212-555-0104','','call','yes','self','','please call',NULL,1,NULL);
INSERT INTO inquiries VALUES(5,'EEBC-G5YQ','bot-1','2026-12-02T08:04:00+00:00','Bot One','','','','','','','cheap pills','honeypot filled',0,1);
INSERT INTO inquiries VALUES(6,'CT47-KH6C','bot-2','2026-12-02T08:15:00+00:00','Ana L','+1 212-555-0109','','','','','','autofilled','honeypot filled',0,NULL);
CREATE TABLE rate_limits (key TEXT NOT NULL, at REAL NOT NULL, expires_at REAL NOT NULL);
INSERT INTO rate_limits VALUES('3f1c9a',1796284810.0,1796288410.0);
CREATE TABLE heartbeat (id INTEGER PRIMARY KEY CHECK (id = 1), written_at REAL NOT NULL);
INSERT INTO heartbeat VALUES(1,1796285500.0);
CREATE TABLE spam_digests (id INTEGER PRIMARY KEY, created_at REAL NOT NULL);
INSERT INTO spam_digests VALUES(1,1796285400.0);
CREATE TABLE IF NOT EXISTS "outbox" (
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
   CHECK ((inquiry_id IS NULL) != (digest_id IS NULL))
);
INSERT INTO outbox VALUES(1,1,'<inquiry-GT5G-J2BR.a39c7bf56942@recovery.example>','sent',1,1796284800.0,1796284800.0,NULL,NULL,1796284805.0,NULL,NULL);
INSERT INTO outbox VALUES(2,2,'<inquiry-8DVC-7Z84.892598d5bf10@recovery.example>','pending',0,1796284860.0,1796284860.0,NULL,NULL,NULL,NULL,NULL);
INSERT INTO outbox VALUES(3,3,'<inquiry-GH3F-UH33.911e3ca8dcde@recovery.example>','pending',2,1796284920.0,1796285220.0,NULL,NULL,NULL,'timed out',NULL);
INSERT INTO outbox VALUES(4,4,'<inquiry-GS4V-7G8X.b098f892c679@recovery.example>','dead',1,1796284980.0,1796284980.0,NULL,NULL,NULL,'550 5.1.1 mailbox unavailable',NULL);
INSERT INTO outbox VALUES(5,NULL,'<spam-digest-1.62e3978104cd@recovery.example>','sent',1,1796285400.0,1796285400.0,NULL,NULL,1796285410.0,NULL,1);
CREATE UNIQUE INDEX "idx_inquiries_ref"
    ON "inquiries" ("ref");
CREATE UNIQUE INDEX "idx_inquiries_submission_key"
    ON "inquiries" ("submission_key");
CREATE INDEX "idx_inquiries_created_at"
    ON "inquiries" ("created_at");
CREATE INDEX idx_rate_limits_key_at ON rate_limits (key, at);
CREATE INDEX idx_rate_limits_expires_at ON rate_limits (expires_at);
CREATE INDEX idx_inquiries_held_undigested ON inquiries (id) WHERE spam_digest_id IS NULL AND emailed = 0 AND spam_reason IS NOT NULL AND spam_reason != '';
CREATE INDEX "idx_outbox_status_next_attempt_at" ON "outbox" ("status", "next_attempt_at");
CREATE INDEX "idx_outbox_inquiry_id" ON "outbox" ("inquiry_id");
COMMIT;
