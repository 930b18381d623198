// Demo agency tree and users for a first run (never in production: config.seedDemo is false there).
// Runs only on an empty database, in one transaction.
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Role } from '../db/types.ts';
import { agencyRepository, unitRepository } from '../repositories/agency.repository.ts';
import { userRepository } from '../repositories/user.repository.ts';
import { appendAudit, SYSTEM_ACTOR } from './audit.service.ts';
import { hashPassword } from './auth.service.ts';

export const DEMO_PASSWORD = 'VanThu@2026';

export const AGENCY_LEVELS = [
  { code: 'central', name: 'Trung ương', rank: 1 },
  { code: 'province', name: 'Tỉnh, thành phố', rank: 2 },
  { code: 'district', name: 'Huyện, quận', rank: 3 },
  { code: 'commune', name: 'Xã, phường, thị trấn', rank: 4 },
];

interface DemoAgency {
  key: string;
  name: string;
  abbreviation: string;
  level: string;
  parent?: string;
  qcvn: string;
  d20: string;
  units: [string, string][];
}

// Codes follow QCVN 102:2016 (level 1 on the right) and Decision 20/2020 (level 1 on the left).
export const DEMO_AGENCIES: DemoAgency[] = [
  { key: 'vpcp', name: 'Văn phòng Chính phủ', abbreviation: 'VPCP', level: 'central', qcvn: '000.00.00.G22', d20: 'G22', units: [['Vụ Tổng hợp', 'TH'], ['Vụ Hành chính', 'HC']] },
  { key: 'tinh', name: 'Ủy ban nhân dân tỉnh Nghệ An', abbreviation: 'UBND', level: 'province', qcvn: '000.00.00.H41', d20: 'H41', units: [['Văn phòng', 'VP'], ['Phòng Tổng hợp', 'TH'], ['Phòng Văn xã', 'VX']] },
  { key: 'huyen', name: 'Ủy ban nhân dân huyện Hưng Nguyên', abbreviation: 'UBND', level: 'district', parent: 'tinh', qcvn: '000.00.31.H41', d20: 'H41.31', units: [['Văn phòng HĐND và UBND', 'VP'], ['Phòng Nội vụ', 'NV']] },
  { key: 'xa1', name: 'Ủy ban nhân dân xã Hưng Lộc', abbreviation: 'UBND', level: 'commune', parent: 'huyen', qcvn: '000.01.31.H41', d20: 'H41.31.01', units: [['Văn phòng - Thống kê', 'VP'], ['Địa chính - Xây dựng', 'ĐC']] },
  { key: 'xa2', name: 'Ủy ban nhân dân xã Hưng Tây', abbreviation: 'UBND', level: 'commune', parent: 'huyen', qcvn: '000.02.31.H41', d20: 'H41.31.02', units: [['Văn phòng - Thống kê', 'VP'], ['Văn hóa - Xã hội', 'VX']] },
];

interface DemoUser {
  username: string;
  fullName: string;
  position: string;
  grants: { agency: string; unit?: string; role: Role }[];
}

// The leaders' names match the test certificates in certs-sample/ so that the demo can sign.
export const DEMO_USERS: DemoUser[] = [
  { username: 'quantri', fullName: 'Phạm Quản Trị', position: 'Quản trị hệ thống', grants: ['vpcp', 'tinh'].map((agency) => ({ agency, role: 'admin' as Role })) },
  { username: 'vpcp.vanthu', fullName: 'Lê Thị Thu', position: 'Văn thư', grants: [{ agency: 'vpcp', role: 'clerk' }] },
  { username: 'vpcp.lanhdao', fullName: 'Đặng Quốc Khánh', position: 'Bộ trưởng, Chủ nhiệm', grants: [{ agency: 'vpcp', role: 'leader' }] },
  { username: 'vpcp.chuyenvien', fullName: 'Đỗ Minh Đức', position: 'Chuyên viên', grants: [{ agency: 'vpcp', unit: 'TH', role: 'specialist' }] },
  { username: 'tinh.vanthu', fullName: 'Hoàng Thị Hương', position: 'Văn thư', grants: [{ agency: 'tinh', unit: 'VP', role: 'clerk' }] },
  { username: 'tinh.lanhdao', fullName: 'Nguyễn Thị Lấp Lánh Ánh', position: 'Chủ tịch', grants: [{ agency: 'tinh', role: 'leader' }] },
  { username: 'tinh.truongphong', fullName: 'Võ Đình Khải', position: 'Trưởng phòng Tổng hợp', grants: [{ agency: 'tinh', unit: 'TH', role: 'head' }] },
  { username: 'tinh.chuyenvien', fullName: 'Bùi Thị Ngọc Ánh', position: 'Chuyên viên', grants: [{ agency: 'tinh', unit: 'TH', role: 'specialist' }] },
  { username: 'huyen.vanthu', fullName: 'Ngô Thị Lan', position: 'Văn thư', grants: [{ agency: 'huyen', unit: 'VP', role: 'clerk' }] },
  { username: 'huyen.lanhdao', fullName: 'Phan Văn Đông', position: 'Chủ tịch', grants: [{ agency: 'huyen', role: 'leader' }] },
  { username: 'huyen.truongphong', fullName: 'Đặng Quốc Việt', position: 'Chánh Văn phòng', grants: [{ agency: 'huyen', unit: 'VP', role: 'head' }] },
  { username: 'huyen.chuyenvien', fullName: 'Lý Thị Mỹ Duyên', position: 'Chuyên viên', grants: [{ agency: 'huyen', unit: 'NV', role: 'specialist' }] },
  { username: 'xa1.vanthu', fullName: 'Trương Thị Hoa', position: 'Văn thư', grants: [{ agency: 'xa1', unit: 'VP', role: 'clerk' }, { agency: 'xa1', unit: 'VP', role: 'specialist' }] },
  { username: 'xa1.lanhdao', fullName: 'Trần Văn Hùng', position: 'Chủ tịch', grants: [{ agency: 'xa1', role: 'leader' }] },
  { username: 'xa1.truongphong', fullName: 'Cao Văn Bình', position: 'Công chức Văn phòng - Thống kê', grants: [{ agency: 'xa1', unit: 'VP', role: 'head' }, { agency: 'xa1', unit: 'ĐC', role: 'head' }] },
  { username: 'xa1.chuyenvien', fullName: 'Lương Thị Thảo', position: 'Công chức Địa chính', grants: [{ agency: 'xa1', unit: 'ĐC', role: 'specialist' }] },
  { username: 'xa2.vanthu', fullName: 'Mai Thị Xuân', position: 'Văn thư', grants: [{ agency: 'xa2', unit: 'VP', role: 'clerk' }] },
  { username: 'xa2.lanhdao', fullName: 'Kiều Văn Sơn', position: 'Chủ tịch', grants: [{ agency: 'xa2', role: 'leader' }] },
  { username: 'xa2.chuyenvien', fullName: 'Tạ Thị Nhung', position: 'Công chức Văn hóa - Xã hội', grants: [{ agency: 'xa2', unit: 'VX', role: 'specialist' }] },
];

export async function ensureAgencyLevels(db: Database): Promise<void> {
  for (const l of AGENCY_LEVELS) await agencyRepository.upsertLevel(db, l);
}

/** Seeds the demo tree when the database has no agency yet. Returns whether it seeded. */
export async function seedDemoIfEmpty(db: Database): Promise<boolean> {
  await ensureAgencyLevels(db);
  if ((await agencyRepository.count(db)) > 0) return false;
  const hashes = await Promise.all(DEMO_USERS.map(() => hashPassword(DEMO_PASSWORD)));
  return db.transaction().execute(async (trx) => {
    // Re-checked under the transaction: two processes starting together must not seed twice.
    await sql`lock table agency in exclusive mode`.execute(trx);
    if ((await agencyRepository.count(trx)) > 0) return false;
    const ids = new Map<string, string>();
    const units = new Map<string, string>();
    for (const a of DEMO_AGENCIES) {
      const row = await agencyRepository.insert(trx, { qcvnCode: a.qcvn, d20Code: a.d20, levelCode: a.level, parentId: a.parent ? ids.get(a.parent)! : null, abbreviation: a.abbreviation });
      await agencyRepository.addName(trx, row.id, a.name, new Date(0));
      ids.set(a.key, row.id);
      for (const [name, abbreviation] of a.units) {
        const u = await unitRepository.insert(trx, { agencyId: row.id, name, abbreviation });
        units.set(`${a.key}/${abbreviation}`, u.id);
      }
    }
    for (const [i, u] of DEMO_USERS.entries()) {
      const user = await userRepository.insert(trx, { username: u.username, fullName: u.fullName, email: `${u.username}@vanthu.local`, position: u.position, passwordHash: hashes[i]! });
      for (const g of u.grants) {
        await userRepository.addRole(trx, user.id, { agencyId: ids.get(g.agency)!, unitId: g.unit ? units.get(`${g.agency}/${g.unit}`)! : null, role: g.role });
      }
    }
    await appendAudit(trx, { actor: SYSTEM_ACTOR, action: 'demo.seeded', entityType: 'system', entityId: 'demo', after: { agencies: DEMO_AGENCIES.length, users: DEMO_USERS.length } });
    return true;
  });
}
