-- AlterTable
ALTER TABLE "NoShowRecord" ADD COLUMN "loginAt" TIMESTAMPTZ(3),
ADD COLUMN "loginReceivedAt" TIMESTAMPTZ(3),
ADD COLUMN "withdrawnAt" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "HrAlert" ADD COLUMN "resolvedAt" TIMESTAMPTZ(3);
