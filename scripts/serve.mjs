// A tiny static file server for the demo and the end-to-end tests: serves the repository
// root (so /demo/ and /dist/parley.js), read-only, loopback by default.
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { root } from './ensure.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Largest form POST the demo's save endpoint accepts. */
const MAX_FORM_BYTES = 1024 * 1024;

const escapeHtml = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/**
 * The demo form's POST target, standing in for the host app's save view: it shows what was
 * posted (as text) and hands the fields to `onSave` (the end-to-end tests read them).
 */
function saveDemoForm(req, res, onSave) {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => {
    body += chunk;
    if (body.length > MAX_FORM_BYTES) req.destroy();
  });
  req.on('end', () => {
    const fields = [...new URLSearchParams(body)];
    onSave?.(fields);
    const rows = fields.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><meta charset="utf-8"><title>Saved</title><h1>Saved</h1><table>${rows}</table><a href="./">Back</a>`);
  });
}

/** Starts serving; resolves to `{ server, url }` once listening. */
export function serveStatic({ port = 8080, host = '127.0.0.1', onRequest, onSave } = {}) {
  const server = createServer((req, res) => {
    if (onRequest?.(req, res)) return;
    if (req.method === 'POST' && req.url?.startsWith('/demo/save')) {
      saveDemoForm(req, res, onSave);
      return;
    }
    let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(root, path));
    if (!file.startsWith(root + sep) || file.includes(`${sep}node_modules${sep}.`)) {
      res.writeHead(403).end();
      return;
    }
    let stat;
    try {
      stat = statSync(file);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (stat.isDirectory()) {
      res.writeHead(301, { location: `${path}/` }).end();
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': stat.size,
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve({ server, url: `http://${host === '0.0.0.0' ? 'localhost' : host}:${address.port}` });
    });
  });
}
