import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { seedDemoIfEmpty } from '../../server/services/demo-seed.service.ts';
import { addCalendarOverride } from '../../server/services/calendar.service.ts';
import { actorOf } from './tasks-fixtures.test.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

async function vanthu(env: Record<string, string | undefined>, ...args: string[]): Promise<string> {
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  const { stdout } = await run(process.execPath, ['./bin/vanthu.mjs', ...args], { cwd: root, env: { ...rest, VANTHU_FROM_SOURCE: '1', ...env } as NodeJS.ProcessEnv });
  return stdout.trim();
}

describe('vanthu calendar reads the administrators\' overrides from the database', function () {
  this.timeout(90_000);
  let t: TestDatabase;

  before(async () => {
    t = await createTestDatabase();
    await seedDemoIfEmpty(t.db);
    const admin = await actorOf(t.db, 'quantri');
    await addCalendarOverride(t.db, admin, { date: '2027-02-12', kind: 'day_off', name: 'Nghỉ Tết (hoán đổi) theo thông báo của Bộ Nội vụ' });
    await addCalendarOverride(t.db, admin, { date: '2027-02-20', kind: 'working_day', name: 'Làm bù cho ngày 12/02/2027' });
  });
  after(async () => t.close());

  it('lists a declared day off and a make-up Saturday with DATABASE_URL', async () => {
    const list = JSON.parse(await vanthu({ DATABASE_URL: t.url }, 'calendar', 'holidays', '2027', '--json')) as { date: string; name: string; kind: string }[];
    expect(list.find((h) => h.date === '2027-02-12')).to.deep.include({ name: 'Nghỉ Tết (hoán đổi) theo thông báo của Bộ Nội vụ', kind: 'declared' });
    const text = await vanthu({ DATABASE_URL: t.url }, 'calendar', 'holidays', '2027');
    expect(text).to.match(/2027-02-20 +Thứ Bảy +Làm việc bù/);
  });

  it('counts working days with the overrides, and without them when no database is configured', async () => {
    expect(await vanthu({ DATABASE_URL: t.url }, 'calendar', 'add-working-days', '2027-02-11', '1')).to.equal('2027-02-15');
    expect(await vanthu({ DATABASE_URL: t.url }, 'calendar', 'add-working-days', '2027-02-19', '1')).to.equal('2027-02-20');
    expect(await vanthu({}, 'calendar', 'add-working-days', '2027-02-11', '1')).to.equal('2027-02-12');
  });
});
