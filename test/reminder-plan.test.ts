import { planReminders } from '../workflows/reminder-plan';

const H = 3600_000;
const DEFAULT = [
  { point: 'PT48H', offsetMs: 48 * H },
  { point: 'PT24H', offsetMs: 24 * H },
  { point: 'PT1H', offsetMs: 1 * H },
];

describe('planReminders', () => {
  const start = Date.parse('2026-12-10T09:00:00+08:00');

  test('plans every default point before a start three days away, earliest first', () => {
    const plan = planReminders(start, DEFAULT, start - 72 * H);
    expect(plan).toEqual([
      { point: 'PT48H', dueAt: start - 48 * H },
      { point: 'PT24H', dueAt: start - 24 * H },
      { point: 'PT1H', dueAt: start - 1 * H },
    ]);
  });

  test('skips points already past when the interview is confirmed', () => {
    const plan = planReminders(start, DEFAULT, start - 30 * H);
    expect(plan.map((p) => p.point)).toEqual(['PT24H', 'PT1H']);
  });

  test('a point due exactly at planning time counts as past', () => {
    expect(planReminders(start, DEFAULT, start - 24 * H).map((p) => p.point)).toEqual(['PT1H']);
  });

  test('plans nothing when confirmed less than an hour ahead', () => {
    expect(planReminders(start, DEFAULT, start - 30 * 60_000)).toEqual([]);
  });

  test('does not repeat points already sent after a reschedule', () => {
    const later = start + 24 * H;
    const plan = planReminders(later, DEFAULT, start - 47 * H, ['PT48H']);
    expect(plan.map((p) => p.point)).toEqual(['PT24H', 'PT1H']);
  });

  test('the same instant written in two time zones gives the same plan', () => {
    const a = planReminders(Date.parse('2026-12-10T09:00:00+08:00'), DEFAULT, 0);
    const b = planReminders(Date.parse('2026-12-10T01:00:00Z'), DEFAULT, 0);
    expect(a).toEqual(b);
  });

  test('orders custom offsets by due time whatever order the policy lists them in', () => {
    const plan = planReminders(start, [{ point: 'PT2S', offsetMs: 2000 }, { point: 'PT4S', offsetMs: 4000 }], start - 10_000);
    expect(plan.map((p) => p.point)).toEqual(['PT4S', 'PT2S']);
  });
});
