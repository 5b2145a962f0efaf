-- CreateEnum
CREATE TYPE "DisputeStatus" AS ENUM ('OPEN', 'UPHELD', 'RECLASSIFIED');

-- AlterTable
ALTER TABLE "Candidate" ADD COLUMN     "emailHash" TEXT,
ADD COLUMN     "erasedAt" TIMESTAMPTZ(3),
ADD COLUMN     "phoneHash" TEXT;

-- AlterTable
ALTER TABLE "Evidence" ADD COLUMN     "redactedAt" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "NoShowRecord" ADD COLUMN     "sweptAt" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "GroupPolicyVersion" (
    "id" UUID NOT NULL,
    "groupId" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "policy" JSONB NOT NULL,
    "changedBy" TEXT NOT NULL,
    "changedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GroupPolicyVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Dispute" (
    "id" UUID NOT NULL,
    "recordId" UUID NOT NULL,
    "status" "DisputeStatus" NOT NULL DEFAULT 'OPEN',
    "statement" TEXT,
    "openedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "fromClassification" "Classification" NOT NULL,
    "toClassification" "Classification",
    "resolvedAt" TIMESTAMPTZ(3),
    "resolvedBy" TEXT,
    "note" TEXT,

    CONSTRAINT "Dispute_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MonthlyReport" (
    "id" UUID NOT NULL,
    "groupId" UUID NOT NULL,
    "month" TEXT NOT NULL,
    "groupBy" TEXT NOT NULL,
    "rows" JSONB NOT NULL,
    "totals" JSONB NOT NULL,
    "generatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MonthlyReport_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "GroupPolicyVersion_groupId_version_key" ON "GroupPolicyVersion"("groupId", "version");

-- CreateIndex
CREATE UNIQUE INDEX "Dispute_recordId_key" ON "Dispute"("recordId");

-- CreateIndex
CREATE INDEX "Dispute_status_openedAt_idx" ON "Dispute"("status", "openedAt");

-- CreateIndex
CREATE UNIQUE INDEX "MonthlyReport_groupId_month_groupBy_key" ON "MonthlyReport"("groupId", "month", "groupBy");

-- CreateIndex
CREATE INDEX "Candidate_phoneHash_idx" ON "Candidate"("phoneHash");

-- CreateIndex
CREATE INDEX "Candidate_emailHash_idx" ON "Candidate"("emailHash");

-- CreateIndex
CREATE INDEX "Interview_subsidiaryId_startsAt_idx" ON "Interview"("subsidiaryId", "startsAt");

-- CreateIndex
CREATE INDEX "NoShowRecord_scheduledStart_idx" ON "NoShowRecord"("scheduledStart");

-- CreateIndex
CREATE INDEX "NoShowRecord_expiresAt_idx" ON "NoShowRecord"("expiresAt");

-- AddForeignKey
ALTER TABLE "GroupPolicyVersion" ADD CONSTRAINT "GroupPolicyVersion_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "Group"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Dispute" ADD CONSTRAINT "Dispute_recordId_fkey" FOREIGN KEY ("recordId") REFERENCES "NoShowRecord"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "MonthlyReport" ADD CONSTRAINT "MonthlyReport_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "Group"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

