import { OUTBOUND_URL_PATTERN, outboundUrlProblem } from '../lib/outbound-url';

const dev = { production: false };
const prod = { production: true };

test.each([
  ['https://meet.example.test/join/1', dev],
  ['https://meet.example.test/join/1', prod],
  ['http://127.0.0.1:8080/hook', dev],
  ['http://localhost/hook', dev],
  ['http://[::1]:9000/', dev],
])('%s is accepted', (url, opts) => {
  expect(outboundUrlProblem(url, opts)).toBeNull();
  expect(new RegExp(OUTBOUND_URL_PATTERN).test(url)).toBe(true);
});

test.each([
  ['http://meet.example.test/join/1', dev, /https/],
  ['http://127.0.0.1:8080/hook', prod, /production/],
  ['ftp://files.example.test/x', dev, /https/],
  ['javascript:alert(1)', dev, /https/],
  ['/relative/path', dev, /absolute/],
  ['https://user:pass@meet.example.test/', dev, /credentials/],
  ['http://localhost.evil.test/', dev, /https/],
  ['http://127.0.0.1.evil.test/', dev, /https/],
])('%s is refused', (url, opts, why) => {
  expect(outboundUrlProblem(url, opts)).toMatch(why);
});

test('the schema pattern refuses what the rule refuses in every mode', () => {
  const pattern = new RegExp(OUTBOUND_URL_PATTERN);
  for (const url of ['http://meet.example.test/', 'ftp://x.test/', 'javascript:alert(1)', 'http://localhost.evil.test/', 'http://127.0.0.1.evil.test/']) {
    expect(pattern.test(url)).toBe(false);
  }
});
