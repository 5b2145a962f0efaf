/**
 * Candidate identity across subsidiaries: keyed hashes of the normalised phone
 * and e-mail, set when a confirmation is accepted.
 */
import { randomBytes } from 'node:crypto';
import { emailHash, identityKey, normaliseEmail, normalisePhone, phoneHash } from '../domain/identity';
import { startHarness, type Harness } from './support/harness';
import { confirmFor, createTestGroup } from './support/records';

describe('normalisation', () => {
  test.each([
    ['+8613800138000', '+8613800138000'],
    ['+86 138 0013 8000', '+8613800138000'],
    ['+86-138-0013-8000', '+8613800138000'],
    ['(+86) 138.0013.8000', '+8613800138000'],
    ['008613800138000', '+8613800138000'],
    [' +44 20 7946 0958 ', '+442079460958'],
  ])('phone %p becomes %p', (raw, expected) => {
    expect(normalisePhone(raw)).toBe(expected);
  });

  test.each(['13800138000', '+0861380013800', '+86 138', 'phone', '+861380013800012345'])('%p is not an E.164 number', (raw) => {
    expect(normalisePhone(raw)).toBeNull();
  });

  test('e-mail is trimmed and lower-cased as a whole, nothing more', () => {
    expect(normaliseEmail('  Li.Wei@Example.TEST ')).toBe('li.wei@example.test');
    expect(normaliseEmail('li.wei+jobs@example.test')).toBe('li.wei+jobs@example.test');
    expect(normaliseEmail('not an address')).toBeNull();
  });

  test('hashes are keyed: the same phone hashes the same under one key and differently under another', () => {
    const key = identityKey(randomBytes(32));
    expect(phoneHash(key, '+86 138 0013 8000')).toBe(phoneHash(key, '+8613800138000'));
    expect(phoneHash(key, '+8613800138000')).toMatch(/^[0-9a-f]{64}$/);
    expect(phoneHash(identityKey(randomBytes(32)), '+8613800138000')).not.toBe(phoneHash(key, '+8613800138000'));
    expect(emailHash(key, 'LI.WEI@example.test')).toBe(emailHash(key, 'li.wei@example.test'));
    // A phone and an e-mail never collide by construction (the kind is hashed too).
    expect(phoneHash(key, '+8613800138000')).not.toBe(emailHash(key, '+8613800138000@x.test'));
  });
});

describe('candidates of two subsidiaries', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  test('the same person confirmed by two subsidiaries gets the same hashes; the contact details stay with each subsidiary', async () => {
    const group = await createTestGroup(h, 2);
    const [a, b] = group.subsidiaries;
    const inA = await confirmFor(h, a!, { candidate: { phone: '+8613800138000', email: 'Li.Wei@Example.test' } });
    const inB = await confirmFor(h, b!, { candidate: { phone: '+8613800138000', email: 'li.wei@example.test' } });
    const other = await confirmFor(h, b!, { candidate: { phone: '+8613900139000', email: 'wang.fang@example.test' } });

    const candidate = (iv: { candidateId: string }) => h.prisma.candidate.findUniqueOrThrow({ where: { id: iv.candidateId } });
    const [ca, cb, co] = await Promise.all([candidate(inA), candidate(inB), candidate(other)]);
    expect(ca.subsidiaryId).toBe(a!.subsidiaryId);
    expect(cb.subsidiaryId).toBe(b!.subsidiaryId);
    expect(ca.phoneHash).toMatch(/^[0-9a-f]{64}$/);
    expect(ca.phoneHash).toBe(cb.phoneHash);
    expect(ca.emailHash).toBe(cb.emailHash);
    expect(co.phoneHash).not.toBe(ca.phoneHash);
    expect(co.emailHash).not.toBe(ca.emailHash);
    // The hash of a differently written number finds the same rows.
    const key = identityKey(h.secrets.masterKey);
    expect(phoneHash(key, '+86 138 0013 8000')).toBe(ca.phoneHash);
    // Each subsidiary keeps the address as it was given to it.
    expect(ca.email).toBe('Li.Wei@Example.test');
  });
});
