import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { addWorkingDays, chinaDate, isWorkingDay } from '../../../main/core/working-days.js';

describe('working days', () => {
  test('weekends are skipped; the count starts the day after', () => {
    expect(addWorkingDays('2025-01-03', 1)).toBe('2025-01-06'); // Friday + 1 → Monday
    expect(addWorkingDays('2025-01-06', 5)).toBe('2025-01-13');
    expect(addWorkingDays('2025-01-06', 0)).toBe('2025-01-06');
  });

  test('holidays and 调休 workdays from the profile', () => {
    const cal = { holidays: new Set(['2025-10-01', '2025-10-02', '2025-10-03', '2025-10-06', '2025-10-07', '2025-10-08']), workdays: new Set(['2025-09-28', '2025-10-11']) };
    expect(isWorkingDay('2025-09-28', cal)).toBe(true); // a Sunday worked
    expect(addWorkingDays('2025-09-27', 1, cal)).toBe('2025-09-28');
    expect(addWorkingDays('2025-09-30', 1, cal)).toBe('2025-10-09');
    expect(addWorkingDays('2025-09-30', 3, cal)).toBe('2025-10-11');
  });

  test('China time: a UTC evening is the next China day', () => {
    expect(chinaDate(Date.UTC(2025, 0, 1, 17, 0))).toBe('2025-01-02');
  });

  test.prop([fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2090-01-01T00:00:00Z'), noInvalidDate: true }), fc.integer({ min: 1, max: 60 })])(
    'the result is a working day, later than the start, and exactly n working days after it',
    (d, n) => {
      const from = d.toISOString().slice(0, 10);
      const to = addWorkingDays(from, n);
      expect(to > from).toBe(true);
      expect(isWorkingDay(to)).toBe(true);
      let count = 0;
      for (let x = new Date(`${from}T00:00:00Z`); x.toISOString().slice(0, 10) < to; ) {
        x.setUTCDate(x.getUTCDate() + 1);
        if (isWorkingDay(x.toISOString().slice(0, 10))) count++;
      }
      expect(count).toBe(n);
    },
  );
});
