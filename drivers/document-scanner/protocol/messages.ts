/**
 * Every RPC of the SANE network protocol, both directions (net.tex; sanei_net.c). Pure.
 *
 * The host encodes requests and parses replies; the simulator parses requests and encodes replies.
 * A reply carries no RPC code, so `parseReply(rpc, buf)` must be told which request it answers.
 * A request starts with its RPC code and is self-describing (`parseRequest`).
 *
 *   0 INIT           version_code, username            → status, version_code
 *   1 GET_DEVICES    –                                 → status, pointer array of {name, vendor, model, type} (+ NULL)
 *   2 OPEN           device name                       → status, handle, resource
 *   3 CLOSE          handle                            → dummy
 *   4 GET_OPTION_DESCRIPTORS handle                    → array of descriptor pointers (no status word)
 *   5 CONTROL_OPTION handle, option, action, type, size, value (last three omitted for SET_AUTO, v3)
 *                                                      → status, info, type, size, value, resource
 *   6 GET_PARAMETERS handle                            → status, format, last_frame, bytes_per_line, pixels_per_line, lines, depth
 *   7 START          handle                            → status, port, byte_order, resource
 *   8 CANCEL         handle                            → dummy
 *   9 AUTHORIZE      resource, username, password      → dummy
 *  10 EXIT           –                                 (the server closes the connection)
 *
 * A non-NULL `resource` in an OPEN, CONTROL_OPTION or START reply asks for AUTHORIZE; after the
 * AUTHORIZE reply the server sends the original RPC's reply again (saned.c auth_callback).
 */
import { ACTION, FRAME_NAMES, RPC, SANE_NET_PROTOCOL_VERSION, type ActionCode, type FrameName, type RpcName } from './constants.js';
import { VALUE_TYPE_CODE, readDescriptor, readValue, valueTypeName, writeDescriptor, writeValue, type OptionDescriptor, type OptionValue } from './options.js';
import { SaneProtocolError, WireWriter, tryParse, type ParseResult, type WireReader } from './wire.js';
import type { ValueTypeName } from './constants.js';

export interface SaneDevice {
  name: string;
  vendor: string;
  model: string;
  type: string;
}

export interface ScanParameters {
  format: FrameName;
  lastFrame: boolean;
  bytesPerLine: number;
  pixelsPerLine: number;
  /** -1 = unknown until the end of the frame. */
  lines: number;
  depth: number;
}

export interface ControlOptionValue {
  type: ValueTypeName;
  size: number;
  value: OptionValue;
}

// ------------------------------------------------------------------ requests

export type SaneRequest =
  | { rpc: 'INIT'; versionCode: number; username: string | null }
  | { rpc: 'GET_DEVICES' }
  | { rpc: 'OPEN'; deviceName: string }
  | { rpc: 'CLOSE'; handle: number }
  | { rpc: 'GET_OPTION_DESCRIPTORS'; handle: number }
  | ({ rpc: 'CONTROL_OPTION'; handle: number; option: number; action: ActionCode } & Partial<ControlOptionValue>)
  | { rpc: 'GET_PARAMETERS'; handle: number }
  | { rpc: 'START'; handle: number }
  | { rpc: 'CANCEL'; handle: number }
  | { rpc: 'AUTHORIZE'; resource: string | null; username: string | null; password: string | null }
  | { rpc: 'EXIT' };

const RPC_BY_CODE: readonly RpcName[] = Object.entries(RPC)
  .sort((a, b) => a[1] - b[1])
  .map(([k]) => k as RpcName);

/**
 * Encodes a request. `protocolVersion` is the server's (from the INIT reply); below 3 a SET_AUTO still
 * carries a (dummy) value, as in sanei_w_control_option_req.
 */
export function encodeRequest(req: SaneRequest, protocolVersion = SANE_NET_PROTOCOL_VERSION): Uint8Array {
  const w = new WireWriter();
  w.word(RPC[req.rpc]);
  switch (req.rpc) {
    case 'INIT':
      w.word(req.versionCode).string(req.username, 'username');
      break;
    case 'GET_DEVICES':
    case 'EXIT':
      break;
    case 'OPEN':
      w.string(req.deviceName, 'device name');
      break;
    case 'CLOSE':
    case 'GET_OPTION_DESCRIPTORS':
    case 'GET_PARAMETERS':
    case 'START':
    case 'CANCEL':
      w.word(req.handle);
      break;
    case 'CONTROL_OPTION': {
      w.word(req.handle).word(req.option).word(req.action);
      if (protocolVersion < 3 || req.action !== ACTION.SET_AUTO) {
        const type = req.type ?? 'int';
        const value = req.value ?? (type === 'string' ? '' : type === 'button' || type === 'group' ? null : []);
        const size = req.size ?? 0;
        w.word(VALUE_TYPE_CODE[type]).word(size);
        writeValue(w, type, size, value);
      }
      break;
    }
    case 'AUTHORIZE':
      w.string(req.resource, 'resource').string(req.username, 'username').string(req.password, 'password');
      break;
  }
  return w.finish();
}

function readRequest(r: WireReader, protocolVersion: number): SaneRequest {
  const code = r.word();
  const rpc = RPC_BY_CODE[code];
  if (rpc === undefined) throw new SaneProtocolError('value', `unknown RPC code ${code}`);
  switch (rpc) {
    case 'INIT':
      return { rpc, versionCode: r.uword(), username: r.string('username') };
    case 'GET_DEVICES':
    case 'EXIT':
      return { rpc };
    case 'OPEN': {
      const deviceName = r.string('device name');
      return { rpc, deviceName: deviceName ?? '' };
    }
    case 'CLOSE':
    case 'GET_OPTION_DESCRIPTORS':
    case 'GET_PARAMETERS':
    case 'START':
    case 'CANCEL':
      return { rpc, handle: r.word() };
    case 'CONTROL_OPTION': {
      const handle = r.word();
      const option = r.word();
      const action = r.word();
      if (action !== ACTION.GET_VALUE && action !== ACTION.SET_VALUE && action !== ACTION.SET_AUTO) {
        throw new SaneProtocolError('value', `CONTROL_OPTION: undefined action ${action}`);
      }
      if (protocolVersion >= 3 && action === ACTION.SET_AUTO) return { rpc, handle, option, action };
      const type = valueTypeName(r.word(), 'CONTROL_OPTION');
      const size = r.word();
      return { rpc, handle, option, action, type, size, value: readValue(r, type) };
    }
    case 'AUTHORIZE':
      return { rpc, resource: r.string('resource'), username: r.string('username'), password: r.string('password') };
  }
}

/** Device side: one request from the front of `buf`. */
export function parseRequest(buf: Uint8Array, protocolVersion = SANE_NET_PROTOCOL_VERSION): ParseResult<SaneRequest> {
  return tryParse(buf, (r) => readRequest(r, protocolVersion));
}

// ------------------------------------------------------------------ replies

export interface Replies {
  INIT: { status: number; versionCode: number };
  GET_DEVICES: { status: number; devices: SaneDevice[] };
  OPEN: { status: number; handle: number; resource: string | null };
  CLOSE: { dummy: number };
  GET_OPTION_DESCRIPTORS: { options: OptionDescriptor[] };
  CONTROL_OPTION: { status: number; info: number; type: ValueTypeName; size: number; value: OptionValue; resource: string | null };
  GET_PARAMETERS: { status: number; params: ScanParameters };
  START: { status: number; port: number; byteOrder: number; resource: string | null };
  CANCEL: { dummy: number };
  AUTHORIZE: { dummy: number };
}
export type ReplyRpc = keyof Replies;
export type SaneReply = { [K in ReplyRpc]: { rpc: K } & Replies[K] }[ReplyRpc];

/** What an absent descriptor (a NULL pointer, never sent by saned) stands for: an inactive group. */
const PLACEHOLDER_DESCRIPTOR: OptionDescriptor = {
  name: '',
  title: '',
  desc: '',
  type: 'group',
  unit: 'none',
  size: 0,
  cap: 32,
  constraint: { type: 'none' },
};

function readDevice(r: WireReader): SaneDevice {
  return {
    name: r.string('device name') ?? '',
    vendor: r.string('device vendor') ?? '',
    model: r.string('device model') ?? '',
    type: r.string('device type') ?? '',
  };
}

function readParameters(r: WireReader): ScanParameters {
  const format = FRAME_NAMES[r.enumWord('frame format', FRAME_NAMES.length)] as FrameName;
  const lastFrame = r.word() !== 0;
  const bytesPerLine = r.word();
  const pixelsPerLine = r.word();
  const lines = r.word();
  const depth = r.word();
  return { format, lastFrame, bytesPerLine, pixelsPerLine, lines, depth };
}

const REPLY_READERS: { [K in ReplyRpc]: (r: WireReader) => Replies[K] } = {
  INIT: (r) => ({ status: r.word(), versionCode: r.uword() }),
  GET_DEVICES: (r) => {
    const status = r.word();
    const list = r.array('device list', () => r.pointer('device', () => readDevice(r)), 4096);
    return { status, devices: list.filter((d): d is SaneDevice => d !== null) };
  },
  OPEN: (r) => ({ status: r.word(), handle: r.word(), resource: r.string('resource') }),
  CLOSE: (r) => ({ dummy: r.word() }),
  GET_OPTION_DESCRIPTORS: (r) => ({
    options: r.array('option descriptors', () => r.pointer('option descriptor', () => readDescriptor(r)) ?? PLACEHOLDER_DESCRIPTOR, 4096),
  }),
  CONTROL_OPTION: (r) => {
    const status = r.word();
    const info = r.word();
    const type = valueTypeName(r.word(), 'CONTROL_OPTION reply');
    const size = r.word();
    const value = readValue(r, type);
    return { status, info, type, size, value, resource: r.string('resource') };
  },
  GET_PARAMETERS: (r) => ({ status: r.word(), params: readParameters(r) }),
  START: (r) => ({ status: r.word(), port: r.word(), byteOrder: r.word(), resource: r.string('resource') }),
  CANCEL: (r) => ({ dummy: r.word() }),
  AUTHORIZE: (r) => ({ dummy: r.word() }),
};

/** Host side: the reply to `rpc` from the front of `buf`. */
export function parseReply<K extends ReplyRpc>(rpc: K, buf: Uint8Array): ParseResult<Replies[K]> {
  const read = REPLY_READERS[rpc] as (r: WireReader) => Replies[K];
  return tryParse(buf, read);
}

/** Device side: encodes a reply. */
export function encodeReply(reply: SaneReply): Uint8Array {
  const w = new WireWriter();
  switch (reply.rpc) {
    case 'INIT':
      w.word(reply.status).word(reply.versionCode);
      break;
    case 'GET_DEVICES':
      w.word(reply.status).array([...reply.devices, null], (d) =>
        w.pointer(d, (v) => w.string(v.name).string(v.vendor).string(v.model).string(v.type)),
      );
      break;
    case 'OPEN':
      w.word(reply.status).word(reply.handle).string(reply.resource, 'resource');
      break;
    case 'CLOSE':
    case 'CANCEL':
    case 'AUTHORIZE':
      w.word(reply.dummy);
      break;
    case 'GET_OPTION_DESCRIPTORS':
      w.array(reply.options, (d) => w.pointer(d, (v) => writeDescriptor(w, v)));
      break;
    case 'CONTROL_OPTION':
      w.word(reply.status).word(reply.info).word(VALUE_TYPE_CODE[reply.type]).word(reply.size);
      writeValue(w, reply.type, reply.size, reply.value);
      w.string(reply.resource, 'resource');
      break;
    case 'GET_PARAMETERS': {
      const p = reply.params;
      w.word(reply.status).word(FRAME_NAMES.indexOf(p.format)).bool(p.lastFrame);
      w.word(p.bytesPerLine).word(p.pixelsPerLine).word(p.lines).word(p.depth);
      break;
    }
    case 'START':
      w.word(reply.status).word(reply.port).word(reply.byteOrder).string(reply.resource, 'resource');
      break;
  }
  return w.finish();
}
