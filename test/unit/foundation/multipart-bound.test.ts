import { expect } from 'chai';
import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';
import { multipart, slots, uploadsOf } from '../../../server/middleware/multipart.ts';

describe('multipart uploads are read and handled a bounded number at a time', () => {
  it('a slot is granted at once while free, queued otherwise, and freed only once per holder', async () => {
    const s = slots(2);
    const a = await s.acquire();
    const b = await s.acquire();
    let third = false;
    const c = s.acquire().then((r) => ((third = true), r));
    await new Promise((r) => setImmediate(r));
    expect(third).to.equal(false);
    expect(s.waiting).to.equal(1);
    a();
    a(); // a second release by the same holder must not free another slot
    const release = await c;
    expect(third).to.equal(true);
    expect(s.inUse).to.equal(2);
    b();
    release();
    expect(s.inUse).to.equal(0);
  });

  it('with a bound of 2, six concurrent uploads all succeed with never more than 2 handled at once', async () => {
    let now = 0;
    let max = 0;
    const app = express();
    app.use((req: Request, _res: Response, next: NextFunction) => {
      req.actor = { userId: '1', username: 'u', fullName: 'U', position: null, roles: [], activeAgencyId: null };
      next();
    });
    app.use(multipart(1024 * 1024, 5, 2));
    app.post('/up', async (req: Request, res: Response) => {
      now++;
      max = Math.max(max, now);
      await new Promise((r) => setTimeout(r, 30));
      now--;
      res.json({ bytes: uploadsOf(req).reduce((n, u) => n + u.bytes.length, 0) });
    });
    const body = Buffer.alloc(200_000, 7);
    const answers = await Promise.all(Array.from({ length: 6 }, () => request(app).post('/up').attach('files', body, 'scan.pdf')));
    expect(answers.map((r) => r.status)).to.deep.equal([200, 200, 200, 200, 200, 200]);
    expect(answers.map((r) => r.body.bytes)).to.deep.equal(Array(6).fill(200_000));
    expect(max).to.equal(2);
  });

  it('frees the slot of a refused upload (over the size limit) so later uploads go through', async () => {
    const app = express();
    app.use((req: Request, _res: Response, next: NextFunction) => {
      req.actor = { userId: '1', username: 'u', fullName: 'U', position: null, roles: [], activeAgencyId: null };
      next();
    });
    app.use(multipart(1000, 5, 1));
    app.post('/up', (req: Request, res: Response) => void res.json({ n: uploadsOf(req).length }));
    app.use((err: Error & { code?: string }, _req: Request, res: Response, _next: NextFunction) => void res.status(413).json({ message: err.message }));
    const big = await request(app).post('/up').attach('files', Buffer.alloc(5000), 'big.pdf');
    expect(big.status).to.equal(413);
    expect(big.body.message).to.match(/vượt quá giới hạn/);
    const small = await request(app).post('/up').attach('files', Buffer.alloc(500, 1), 'small.pdf');
    expect(small.status).to.equal(200);
    expect(small.body.n).to.equal(1);
  });
});

describe('the upload byte budget', () => {
  it('lets small uploads run side by side but a large one only when the bytes in flight allow, in arrival order', async () => {
    const s = slots(4, 100);
    const order: string[] = [];
    const take = (name: string, w: number) => s.acquire(w).then((r) => (order.push(name), r));
    const a = await take('a', 30);
    const b = await take('b', 30);
    const big = take('big', 80); // 60 + 80 > 100: waits
    const c = take('c', 10); // would fit, but arrived after big: waits behind it (no starvation)
    await new Promise((r) => setImmediate(r));
    expect(order).to.deep.equal(['a', 'b']);
    a();
    await new Promise((r) => setImmediate(r));
    expect(order).to.deep.equal(['a', 'b']); // 30 + 80 > 100 still
    b();
    const bigRelease = await big;
    const cRelease = await c; // 80 + 10 ≤ 100
    expect(order).to.deep.equal(['a', 'b', 'big', 'c']);
    bigRelease();
    cRelease();
    expect(s.inUse).to.equal(0);
  });

  it('runs a request weighing more than the whole budget alone instead of never', async () => {
    const s = slots(4, 100);
    const huge = await s.acquire(500);
    let small = false;
    const p = s.acquire(1).then((r) => ((small = true), r));
    await new Promise((r) => setImmediate(r));
    expect(small).to.equal(false);
    huge();
    (await p)();
    expect(small).to.equal(true);
  });
});
