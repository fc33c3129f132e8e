// `npm run sfu`: a real Janus (Debian's package), configured from sfu/janus/*.jcfg, that
// answers on loopback, admits only requests with a token signed with its secret, and goes
// away with the command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { janusGrant } from '../src/janus.js';
import { freePort, spawnReady } from '../testing/harness.js';
import { JanusClient } from '../testing/janus.js';

const SFU = fileURLToPath(new URL('../../scripts/sfu.mjs', import.meta.url));
const secret = 'sfu-test-secret-sfu-test-secret';

test('npm run sfu: one ready line, token-only Janus on loopback, and no process left after SIGTERM', async (t) => {
  const port = await freePort();
  const sfu = await spawnReady(t, process.execPath, [SFU, '--port', String(port), '--secret', secret], /^sfu ready /, process.env, 20_000);
  assert.equal(sfu.line, `sfu ready ws://127.0.0.1:${port}`);
  const janusPid = Number((await import('node:child_process')).execFileSync('pgrep', ['-P', String(sfu.child.pid)]).toString().trim().split('\n')[0]);
  assert.ok(janusPid > 0, 'janus runs as our child');

  const janus = await JanusClient.connect(sfu.line.slice('sfu ready '.length));
  t.after(() => janus.close());
  const info = await janus.request({ janus: 'info' });
  assert.equal(info.janus, 'server_info');
  assert.equal(info.auth_token, true, 'token auth is on');
  assert.deepEqual(Object.keys(info.plugins), ['janus.plugin.videoroom'], 'only the VideoRoom plugin is loaded');
  assert.deepEqual(Object.keys(info.transports), ['janus.transport.websockets'], 'only the WebSocket transport is loaded');

  const grant = /** @type {NonNullable<ReturnType<typeof janusGrant>>} */ (janusGrant({ urls: ['x'], secret, room: 'invoice-42' }));
  const wrong = /** @type {NonNullable<ReturnType<typeof janusGrant>>} */ (janusGrant({ urls: ['x'], secret: 'not-the-secret', room: 'invoice-42' }));
  await assert.rejects(janus.attachVideoRoom(undefined), { code: 403 }, 'no token: refused');
  await assert.rejects(janus.attachVideoRoom(wrong.token), { code: 403 }, 'a token signed with another secret: refused');
  const expired = janusGrant({ urls: ['x'], secret, room: 'invoice-42', now: Date.now() - 7200_000 });
  await assert.rejects(janus.attachVideoRoom(expired?.token), { code: 403 }, 'an expired token: refused');

  const videoroom = await janus.attachVideoRoom(grant.token);
  const created = await videoroom.message({ request: 'create', room: grant.room, signed_tokens: true, publishers: 16 });
  assert.equal(created.videoroom, 'created');
  const other = janusGrant({ urls: ['x'], secret, room: 'another-room' });
  const refused = await videoroom.message({ request: 'join', ptype: 'publisher', room: grant.room, token: other?.roomToken });
  assert.equal(refused.error_code, 433, 'a room token for another room: refused');
  const joined = await videoroom.message({ request: 'join', ptype: 'publisher', room: grant.room, token: grant.roomToken });
  assert.equal(joined.videoroom, 'joined');

  sfu.child.kill('SIGTERM');
  const [code] = await sfu.exited;
  assert.equal(code, 0);
  assert.equal(existsSync(`/proc/${janusPid}`), false, 'janus stopped with it');
});
