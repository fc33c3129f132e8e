import { expect } from '@open-wc/testing';
import { parseIceServers } from './ice-servers.js';

describe('parseIceServers', () => {
  it('accepts STUN and TURN entries, single URL or list', () => {
    const json = '[{"urls":"stun:stun.example.com:3478"},{"urls":["turn:t.example.com?transport=udp","turns:t.example.com:443"],"username":"u","credential":"p"}]';
    expect(parseIceServers(json)).to.deep.equal(JSON.parse(json));
    expect(parseIceServers('[]')).to.deep.equal([]);
  });

  it('rejects what RTCPeerConnection would throw on', () => {
    for (const bad of ['not json', '{"urls":"stun:x"}', '[{"urls":"http://x"}]', '[{"urls":[]}]', '[{"urls":"turn:x","username":5}]', '[null]']) {
      expect(parseIceServers(bad), bad).to.equal(null);
    }
  });
});
