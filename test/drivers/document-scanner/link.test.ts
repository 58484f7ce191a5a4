import { describe, expect, it } from 'vitest';
import { SaneLink } from '../../../drivers/document-scanner/link.js';
import { authorizePassword } from '../../../drivers/document-scanner/protocol/auth.js';
import { STATUS } from '../../../drivers/document-scanner/protocol/constants.js';
import { encodeReply, parseRequest, type SaneRequest } from '../../../drivers/document-scanner/protocol/messages.js';
import { FrameReader } from '../../../drivers/transport/frame-reader.js';
import { MemoryTransport } from '../../../drivers/transport/memory.js';
import type { SaneProtocolError } from '../../../drivers/document-scanner/protocol/wire.js';
import { concat } from './protocol/helpers.js';
import { deviceFailure } from '../../helpers/device-error.js';

/** A hand-driven saned: the test decides what bytes go back, and in which chunks. */
function pair(maxChunk = Infinity): { link: SaneLink; dev: MemoryTransport; requests: SaneRequest[]; next: () => Promise<SaneRequest> } {
  const [host, dev] = MemoryTransport.pair({ path: 'memory:test', maxChunk });
  const link = new SaneLink(host, { credentials: { username: 'kiosk', password: 'pw' } });
  const requests: SaneRequest[] = [];
  const waiters: ((r: SaneRequest) => void)[] = [];
  const reader = new FrameReader<SaneRequest, SaneProtocolError>({
    parse: (b) => parseRequest(b),
    maxBuffered: 65536,
    onFrame: (r) => {
      const w = waiters.shift();
      if (w) w(r);
      else requests.push(r);
    },
  });
  dev.onData((c) => reader.push(c));
  const next = (): Promise<SaneRequest> => {
    const r = requests.shift();
    return r ? Promise.resolve(r) : new Promise((resolve) => waiters.push(resolve));
  };
  return { link, dev, requests, next };
}


describe('SaneLink', () => {
  it('AUTHORIZE inside OPEN: the dummy reply and the retried OPEN reply in one chunk', async () => {
    const { link, dev, next } = pair();
    const open = link.call({ rpc: 'OPEN', deviceName: 'test:0' }, { timeoutMs: 2000 });
    expect(await next()).toEqual({ rpc: 'OPEN', deviceName: 'test:0' });
    const resource = 'test$MD5$0123abcd';
    await dev.write(encodeReply({ rpc: 'OPEN', status: STATUS.GOOD, handle: 0, resource }));
    const auth = await next();
    expect(auth).toEqual({ rpc: 'AUTHORIZE', resource, username: 'kiosk', password: authorizePassword(resource, 'pw') });
    await dev.write(concat(encodeReply({ rpc: 'AUTHORIZE', dummy: 0 }), encodeReply({ rpc: 'OPEN', status: STATUS.GOOD, handle: 7, resource: null })));
    expect(await open).toEqual({ status: STATUS.GOOD, handle: 7, resource: null });
    expect(link.closed).toBe(false);
  });

  it('replies split into single bytes are still matched to their RPCs in order', async () => {
    const { link, dev, next } = pair(1);
    const init = link.call({ rpc: 'INIT', versionCode: 0x01000003, username: 'k' }, { timeoutMs: 2000 });
    await next();
    await dev.write(encodeReply({ rpc: 'INIT', status: 0, versionCode: 0x01010003 }));
    expect(await init).toEqual({ status: 0, versionCode: 0x01010003 });
    const devs = link.call({ rpc: 'GET_DEVICES' }, { timeoutMs: 2000 });
    await next();
    await dev.write(encodeReply({ rpc: 'GET_DEVICES', status: 0, devices: [{ name: 'a:0', vendor: 'v', model: 'm', type: 't' }] }));
    expect((await devs).devices.map((d) => d.name)).toEqual(['a:0']);
  });

  it('bytes nobody asked for are a protocol error: the connection is closed', async () => {
    const { link, dev } = pair();
    await dev.write(Uint8Array.of(0, 0, 0, 0));
    await new Promise<void>((resolve) => (link.transport.isOpen ? link.transport.onClose(() => resolve()) : resolve()));
    expect(link.closed).toBe(true);
    expect((await deviceFailure(link.call({ rpc: 'GET_DEVICES' }, { timeoutMs: 100 }))).code).toBe('disconnected');
  });

  it('a reply that does not parse fails the RPC with a typed error and closes the connection', async () => {
    const { link, dev, next } = pair();
    const p = link.call({ rpc: 'OPEN', deviceName: 'x' }, { timeoutMs: 2000 });
    await next();
    await dev.write(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff));
    const e = await deviceFailure(p);
    expect(e).toMatchObject({ code: 'protocol', fault: 'sane-length' });
    expect(link.closed).toBe(true);
  });

  it('a timeout closes the connection (a late reply could otherwise be taken for the next one)', async () => {
    const { link, next } = pair();
    const p = link.call({ rpc: 'GET_DEVICES' }, { timeoutMs: 50 });
    await next();
    expect(await deviceFailure(p)).toMatchObject({ code: 'timeout', fault: 'no-reply' });
    expect(link.closed).toBe(true);
  });

  it('INIT answered by a closed connection says saned refused this host', async () => {
    const { link, dev, next } = pair();
    const p = link.init({ timeoutMs: 2000 });
    await next();
    await dev.close();
    expect(await deviceFailure(p)).toMatchObject({ code: 'device-fault', action: 'maintenance', fault: 'host-not-allowed' });
  });
});
