/**
 * The probe's worker process, with the SDK's default options, as the naive
 * design would run it. Reads PROBE_TEMPORAL_ADDRESS, PROBE_TASK_QUEUE and
 * PROBE_RECEIVER_URL.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { createProbeActivities } from './activities';

async function main(): Promise<void> {
  const need = (name: string) => process.env[name] ?? (() => { throw new Error(`${name} is required`); })();
  const connection = await NativeConnection.connect({ address: need('PROBE_TEMPORAL_ADDRESS') });
  const worker = await Worker.create({
    connection,
    taskQueue: need('PROBE_TASK_QUEUE'),
    workflowsPath: require.resolve('./workflow'),
    activities: createProbeActivities(need('PROBE_RECEIVER_URL')),
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => worker.shutdown());
  process.stdout.write('PROBE WORKER READY\n');
  await worker.run();
  await connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
