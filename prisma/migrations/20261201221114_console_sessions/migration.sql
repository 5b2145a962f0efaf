-- CreateTable
CREATE TABLE "ConsoleSession" (
    "idHash" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConsoleSession_pkey" PRIMARY KEY ("idHash")
);

-- CreateTable
CREATE TABLE "ConsoleLink" (
    "codeHash" TEXT NOT NULL,
    "sub" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "groupId" UUID NOT NULL,
    "subsidiaryId" UUID,
    "locale" TEXT,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "usedAt" TIMESTAMPTZ(3),

    CONSTRAINT "ConsoleLink_pkey" PRIMARY KEY ("codeHash")
);

-- CreateIndex
CREATE INDEX "ConsoleSession_expiresAt_idx" ON "ConsoleSession"("expiresAt");

-- CreateIndex
CREATE INDEX "ConsoleLink_expiresAt_idx" ON "ConsoleLink"("expiresAt");

