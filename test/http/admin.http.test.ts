import { expect } from 'chai';
import { createTestApp, loginAs, postForm, type TestApp } from '../helpers/app.ts';
import { verifyAuditChain } from '../../server/services/audit.service.ts';

describe('administration pages over HTTP', function () {
  this.timeout(60_000);
  let t: TestApp;
  const count = async (table: 'agency' | 'appUser' | 'auditLog' | 'userRole') =>
    Number((await t.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  const agencyId = async (d20: string) => (await t.ctx.db.selectFrom('agency').select('id').where('d20Code', '=', d20).executeTakeFirstOrThrow()).id;

  before(async () => {
    t = await createTestApp();
  });
  after(async () => t.close());

  it('keeps non-administrators out of every admin page and action', async () => {
    const clerk = await loginAs(t.app, 'tinh.vanthu');
    for (const url of ['/admin/agencies', '/admin/users', '/admin/audit', `/admin/agencies/${await agencyId('H41')}`]) {
      await clerk.get(url).expect(403);
    }
    const before = await count('agency');
    const res = await postForm(clerk, '/', '/admin/agencies', { name: 'X', abbreviation: 'X', levelCode: 'commune', qcvnCode: '000.09.31.H41' });
    expect(res.status).to.equal(403);
    expect(await count('agency')).to.equal(before);
  });

  it('creates an agency from the form and shows it in the tree', async () => {
    const admin = await loginAs(t.app, 'quantri');
    const res = await postForm(admin, '/admin/agencies', '/admin/agencies', {
      name: 'Ủy ban nhân dân xã Hưng Thịnh',
      abbreviation: 'UBND',
      levelCode: 'commune',
      parentId: await agencyId('H41.31'),
      qcvnCode: '000.05.31.H41',
      d20Code: 'H41.31.05',
    });
    expect(res.status).to.equal(303);
    const tree = await admin.get('/admin/agencies').expect(200);
    expect(tree.text).to.contain('Ủy ban nhân dân xã Hưng Thịnh');
  });

  it('answers a malformed agency code with a Vietnamese message, 422, and nothing written', async () => {
    const admin = await loginAs(t.app, 'quantri');
    const before = { agency: await count('agency'), audit: await count('auditLog') };
    const res = await postForm(admin, '/admin/agencies', '/admin/agencies', { name: 'Sai mã', abbreviation: 'UBND', levelCode: 'commune', qcvnCode: '12345' });
    expect(res.status).to.equal(422);
    expect(res.text).to.contain('Mã định danh QCVN 102:2016 phải gồm đúng 13 ký tự');
    expect(res.text).to.contain('value="Sai mã"');
    expect({ agency: await count('agency'), audit: await count('auditLog') }).to.deep.equal(before);
  });

  it('refuses a move that would make the province its own ancestor', async () => {
    const admin = await loginAs(t.app, 'quantri');
    const province = await agencyId('H41');
    const res = await postForm(admin, `/admin/agencies/${province}`, `/admin/agencies/${province}/move`, { parentId: await agencyId('H41.31.01') });
    expect(res.status).to.equal(422);
    expect(res.text).to.contain('Không thể chuyển cơ quan vào chính nó');
  });

  it('creates a user with a role, and refuses a duplicate username without writing', async () => {
    const admin = await loginAs(t.app, 'quantri');
    const fields = { username: 'xa1.kiemnhiem', fullName: 'Nguyễn Thị Lấp Lánh Ánh', position: 'Công chức', email: '', password: 'Mat-khau-2026!', agencyId: await agencyId('H41.31.01'), role: 'clerk' };
    expect((await postForm(admin, '/admin/users', '/admin/users', fields)).status).to.equal(303);
    const before = { users: await count('appUser'), roles: await count('userRole'), audit: await count('auditLog') };
    const dup = await postForm(admin, '/admin/users', '/admin/users', { ...fields, username: 'XA1.KIEMNHIEM' });
    expect(dup.status).to.equal(409);
    expect(dup.text).to.contain('đã tồn tại');
    expect(dup.text).not.to.contain('Mat-khau-2026!');
    expect({ users: await count('appUser'), roles: await count('userRole'), audit: await count('auditLog') }).to.deep.equal(before);
    await loginAs(t.app, 'xa1.kiemnhiem', 'Mat-khau-2026!');
  });

  it('grants a second role in another unit (kiêm nhiệm) and the user sees both agencies', async () => {
    const admin = await loginAs(t.app, 'quantri');
    const user = await t.ctx.db.selectFrom('appUser').select('id').where('username', '=', 'xa1.kiemnhiem').executeTakeFirstOrThrow();
    const res = await postForm(admin, `/admin/users/${user.id}`, `/admin/users/${user.id}/grant`, { agencyId: await agencyId('H41.31.02'), unitId: '', role: 'specialist' });
    expect(res.status).to.equal(303);
    const again = await postForm(admin, `/admin/users/${user.id}`, `/admin/users/${user.id}/grant`, { agencyId: await agencyId('H41.31.02'), unitId: '', role: 'specialist' });
    expect(again.status).to.equal(409);
    const person = await loginAs(t.app, 'xa1.kiemnhiem', 'Mat-khau-2026!');
    const home = await person.get('/').expect(200);
    expect(home.text).to.contain('Ủy ban nhân dân xã Hưng Lộc').and.contain('Ủy ban nhân dân xã Hưng Tây');
  });

  it('shows the audit log and verifies its chain from the page', async () => {
    const admin = await loginAs(t.app, 'quantri');
    const page = await admin.get('/admin/audit?verify=1').expect(200);
    expect(page.text).to.contain('Chuỗi nhật ký toàn vẹn');
    expect((await verifyAuditChain(t.ctx.db)).ok).to.equal(true);
  });

  it('shows the axis overview (Trục liên thông) to clerks and administrators only', async () => {
    // No node configured in this test app: the page still renders and says so, rather than failing.
    const clerk = await loginAs(t.app, 'tinh.vanthu');
    const page = await clerk.get('/axis').expect(200);
    expect(page.text).to.contain('Trục liên thông');
    await (await loginAs(t.app, 'quantri')).get('/axis').expect(200);
    const specialist = await loginAs(t.app, 'tinh.chuyenvien');
    const refused = await specialist.get('/axis');
    expect(refused.status).to.equal(403);
  });

  it('answers unknown ids with 404 rather than another agency’s data', async () => {
    const admin = await loginAs(t.app, 'quantri');
    await admin.get('/admin/agencies/999999').expect(404);
    await admin.get('/admin/agencies/abc').expect(404);
    await admin.get('/admin/users/999999').expect(404);
  });
});
