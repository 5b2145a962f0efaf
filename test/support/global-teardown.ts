import { stopTestStack } from './test-stack';

/** jest globalTeardown: stops the stack and drops the run's database. */
export default async function globalTeardown(): Promise<void> {
  await stopTestStack();
}
