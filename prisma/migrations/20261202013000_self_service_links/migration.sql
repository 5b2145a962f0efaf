-- Short self-service links (<public URL>/s/<code>): only the code's SHA-256 is stored.
CREATE TABLE "SelfServiceLink" (
    "codeHash" TEXT NOT NULL,
    "interviewId" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "notificationId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SelfServiceLink_pkey" PRIMARY KEY ("codeHash")
);

CREATE UNIQUE INDEX "SelfServiceLink_notificationId_key" ON "SelfServiceLink"("notificationId");
CREATE INDEX "SelfServiceLink_interviewId_idx" ON "SelfServiceLink"("interviewId");
