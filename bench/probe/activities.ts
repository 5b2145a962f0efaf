/** The probe's one activity: a POST to the benchmark's receiver, as a provider SDK's send would be. */
import { Agent, request } from 'node:http';

export interface ProbeMessage {
  interviewId: string;
  point: string;
  channel: string;
}

export function createProbeActivities(receiverUrl: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const url = new URL(receiverUrl);
  return {
    async send(m: ProbeMessage): Promise<void> {
      const body = JSON.stringify(m);
      await new Promise<void>((resolve, reject) => {
        const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`receiver answered ${res.statusCode}`))));
        });
        req.on('error', reject);
        req.end(body);
      });
    },
  };
}

export type ProbeActivities = ReturnType<typeof createProbeActivities>;
