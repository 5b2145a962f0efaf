-- The head of each interview's evidence trail, on the row every append locks
-- (domain/evidence.ts): one statement extends the chain.
ALTER TABLE "Interview"
  ADD COLUMN "evidenceSeq" INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN "evidenceHash" TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000',
  ADD COLUMN "evidencePrevHash" TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000';

UPDATE "Interview" i
   SET "evidenceSeq" = last.seq, "evidenceHash" = last.hash, "evidencePrevHash" = last."prevHash"
  FROM (SELECT DISTINCT ON ("interviewId") "interviewId", seq, hash, "prevHash" FROM "Evidence" ORDER BY "interviewId", seq DESC) last
 WHERE last."interviewId" = i.id;
