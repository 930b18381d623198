import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { buildCalendarCommand } from '../../../server/cli/commands/calendar.command.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs `vanthu …` from the sources (tsx), as an administrator would. */
async function vanthu(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['./bin/vanthu.mjs', ...args], {
      cwd: root,
      env: { ...process.env, VANTHU_FROM_SOURCE: '1' },
    });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

/** Runs the command in-process with a given overrides loader, capturing stdout. */
async function inProcess(args: string[], loader: Parameters<typeof buildCalendarCommand>[0]): Promise<string> {
  const program = new Command().exitOverride();
  program.addCommand(buildCalendarCommand(loader));
  const chunks: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(['node', 'vanthu', 'calendar', ...args]);
  } finally {
    process.stdout.write = original;
  }
  return chunks.join('');
}

describe('vanthu calendar (CLI)', function () {
  this.timeout(60_000);

  it('lists the days off of 2026 as JSON with date, name and lunar flag', async () => {
    const { stdout, code } = await vanthu('calendar', 'holidays', '2026', '--json');
    expect(code).to.equal(0);
    const days = JSON.parse(stdout) as { date: string; name: string; lunar: boolean }[];
    const dates = days.map((d) => d.date);
    // DOMAIN.md: mùng 1 Tết 2026-02-17, Giỗ Tổ 2026-04-26; Labour Code fixed dates.
    expect(dates).to.include.members(['2026-01-01', '2026-02-17', '2026-04-26', '2026-04-30', '2026-05-01', '2026-09-02']);
    expect(days.find((d) => d.date === '2026-02-17')).to.deep.include({ lunar: true });
    expect(days.find((d) => d.date === '2026-04-30')).to.deep.include({ lunar: false });
    expect([...dates].sort()).to.deep.equal(dates);
  });

  it('lists the days off as readable lines marking lunar holidays', async () => {
    const { stdout, code } = await vanthu('calendar', 'holidays', '2027');
    expect(code).to.equal(0);
    const tet = stdout.split('\n').find((l) => l.startsWith('2027-02-06'));
    expect(tet).to.match(/Tết Nguyên Đán/).and.to.match(/âm lịch/);
    expect(stdout).to.match(/^2027-04-16 .*Giỗ Tổ/m);
  });

  it('prints the date N working days later, skipping the 30/4–1/5 break', async () => {
    const { stdout, code } = await vanthu('calendar', 'add-working-days', '2026-04-29', '1');
    expect(code).to.equal(0);
    expect(stdout.trim()).to.equal('2026-05-04');
  });

  it('accepts a negative N to count backwards', async () => {
    const { stdout } = await vanthu('calendar', 'add-working-days', '2026-05-04', '-1');
    expect(stdout.trim()).to.equal('2026-04-29');
  });

  it('fails with a Vietnamese message and a non-zero exit code on a bad date or year', async () => {
    const bad = await vanthu('calendar', 'add-working-days', '2026-02-30', '1');
    expect(bad.code).to.not.equal(0);
    expect(bad.stderr).to.match(/Ngày không hợp lệ/);
    const badYear = await vanthu('calendar', 'holidays', 'abc');
    expect(badYear.code).to.not.equal(0);
    expect(badYear.stderr).to.match(/Năm không hợp lệ/);
  });

  it("uses the overrides loader it is built with (Tết 2026 leave 14–22 Feb)", async () => {
    const asked: number[] = [];
    const loader = async (year: number) => {
      asked.push(year);
      if (year !== 2026) return {};
      const daysOff = [];
      for (let d = 14; d <= 22; d++) daysOff.push({ date: `2026-02-${d}`, name: 'Nghỉ Tết' });
      return { daysOff };
    };
    expect((await inProcess(['add-working-days', '2026-02-13', '1'], loader)).trim()).to.equal('2026-02-23');
    expect(asked).to.include(2026);
    const json = JSON.parse(await inProcess(['holidays', '2026', '--json'], loader)) as { date: string; kind: string }[];
    expect(json.filter((h) => h.kind === 'declared').map((h) => h.date)).to.deep.equal(['2026-02-14', '2026-02-15', '2026-02-21', '2026-02-22']);
  });
});
