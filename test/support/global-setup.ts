import { startTestStack } from './test-stack';

/** jest globalSetup: see test-stack.ts for what a run gets. */
export default async function globalSetup(): Promise<void> {
  await startTestStack();
}
