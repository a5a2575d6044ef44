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
);
INSERT INTO inquiries VALUES(1,'Q23Z-PQRH','a','2026-12-02T07:16:59+00:00','Old Sam','+1 212-555-0100','','','','','','hi',NULL,1);
INSERT INTO inquiries VALUES(2,'DBPV-7ZYT','b','2026-12-02T07:16:59+00:00','Bot','','','','','','','','honeypot filled',0);
CREATE TABLE IF NOT EXISTS "outbox" (
   "id" INTEGER PRIMARY KEY,
   "inquiry_id" INTEGER NOT NULL REFERENCES "inquiries"("id"),
   "message_id" TEXT,
   "status" TEXT NOT NULL DEFAULT 'pending',
   "attempts" INTEGER DEFAULT 0,
   "created_at" REAL NOT NULL,
   "next_attempt_at" REAL NOT NULL,
   "claimed_by" TEXT,
   "claimed_until" REAL,
   "sent_at" REAL,
   "last_error" TEXT
);
INSERT INTO outbox VALUES(1,1,'<inquiry-Q23Z-PQRH.d0e99b14308b@localhost>','pending',0,1796195819.4636645317,1796195819.4636645317,NULL,NULL,NULL,NULL);
CREATE UNIQUE INDEX "idx_inquiries_ref"
    ON "inquiries" ("ref");
CREATE UNIQUE INDEX "idx_inquiries_submission_key"
    ON "inquiries" ("submission_key");
CREATE INDEX "idx_inquiries_created_at"
    ON "inquiries" ("created_at");
CREATE INDEX "idx_outbox_status_next_attempt_at"
    ON "outbox" ("status", "next_attempt_at");
CREATE INDEX "idx_outbox_inquiry_id"
    ON "outbox" ("inquiry_id");
COMMIT;
