import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import express from 'express';
import compression from 'compression';
import { gzipSend } from '../../../server/middleware/gzip-send.ts';

const page = `<!doctype html><title>Văn bản đến</title>${'<tr><td>Quyết định phê duyệt kế hoạch</td></tr>'.repeat(80)}`;

function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('whole answers gzipped in one call (middleware/gzip-send.ts)', function () {
  let server: http.Server;
  let port: number;
  before(async () => {
    const app = express();
    app.use(compression({ level: 1 }));
    app.use(gzipSend);
    app.get('/page', (_req, res) => void res.send(page));
    app.get('/small', (_req, res) => void res.send('<p>Chào</p>'));
    app.get('/json', (_req, res) => void res.json({ items: Array.from({ length: 60 }, (_, i) => ({ id: i, subject: 'Công văn về việc triển khai' })) }));
    app.get('/csv', (_req, res) => void res.type('text/csv').send('Số đến,Trích yếu\n'.repeat(200)));
    app.get('/pdf', (_req, res) => void res.type('application/pdf').send(Buffer.alloc(4096, 1)));
    server = app.listen(0);
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  it('gzips a page for a client that accepts gzip: same bytes back, charset kept, Vary set', async () => {
    const r = await get(port, '/page', { 'accept-encoding': 'gzip, deflate' });
    expect(r.status).to.equal(200);
    expect(r.headers['content-encoding']).to.equal('gzip');
    expect(r.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(r.headers.vary).to.match(/Accept-Encoding/);
    expect(Number(r.headers['content-length'])).to.equal(r.body.length);
    expect(r.body.length).to.be.lessThan(Buffer.byteLength(page) / 4);
    expect(gunzipSync(r.body).toString('utf8')).to.equal(page);
  });

  it('sends plain bytes to a client without gzip, or refusing it with q=0, and for small bodies', async () => {
    const cases: Record<string, string>[] = [{}, { 'accept-encoding': 'gzip;q=0' }, { 'accept-encoding': 'identity' }];
    for (const headers of cases) {
      const r = await get(port, '/page', headers);
      expect(r.headers['content-encoding'], JSON.stringify(headers)).to.equal(undefined);
      expect(r.body.toString('utf8')).to.equal(page);
    }
    const small = await get(port, '/small', { 'accept-encoding': 'gzip' });
    expect(small.headers['content-encoding']).to.equal(undefined);
    expect(small.body.toString('utf8')).to.equal('<p>Chào</p>');
  });

  it('gzips JSON and CSV with their own types, leaves a PDF alone', async () => {
    const j = await get(port, '/json', { 'accept-encoding': 'gzip' });
    expect(j.headers['content-encoding']).to.equal('gzip');
    expect(j.headers['content-type']).to.equal('application/json; charset=utf-8');
    expect(JSON.parse(gunzipSync(j.body).toString('utf8')).items).to.have.length(60);
    const c = await get(port, '/csv', { 'accept-encoding': 'gzip' });
    expect(c.headers['content-type']).to.equal('text/csv; charset=utf-8');
    expect(gunzipSync(c.body).toString('utf8')).to.equal('Số đến,Trích yếu\n'.repeat(200));
    const p = await get(port, '/pdf', { 'accept-encoding': 'gzip' });
    expect(p.headers['content-encoding']).to.equal(undefined);
    expect(p.body.equals(Buffer.alloc(4096, 1))).to.equal(true);
  });

  it('answers a repeated request with 304 by its ETag, and HEAD without a body', async () => {
    const first = await get(port, '/page', { 'accept-encoding': 'gzip' });
    expect(first.headers.etag).to.be.a('string');
    const again = await get(port, '/page', { 'accept-encoding': 'gzip', 'if-none-match': first.headers.etag! });
    expect(again.status).to.equal(304);
    expect(again.body.length).to.equal(0);
    const head = await get(port, '/page', { 'accept-encoding': 'gzip' }, 'HEAD');
    expect(head.status).to.equal(200);
    expect(head.body.length).to.equal(0);
  });
});
