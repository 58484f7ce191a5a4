/**
 * The numbers of the SANE network protocol (fact sheet device-protocols.md §3; sane.h, sanei_net.h).
 * Pure data: every other file names these constants instead of restating the numbers.
 */

/** Network protocol version the client speaks; the net backend puts it into the build field of the version code. */
export const SANE_NET_PROTOCOL_VERSION = 3;
/** The sane-port service (IANA). */
export const SANE_DEFAULT_PORT = 6566;

/** SANE_VERSION_CODE(major, minor, build) = major<<24 | minor<<16 | build. */
export function versionCode(major: number, minor: number, build: number): number {
  return (((major & 0xff) << 24) | ((minor & 0xff) << 16) | (build & 0xffff)) >>> 0;
}
export function versionParts(code: number): { major: number; minor: number; build: number } {
  const c = code >>> 0;
  return { major: (c >>> 24) & 0xff, minor: (c >>> 16) & 0xff, build: c & 0xffff };
}
/** 0x01000003: SANE 1.0, net protocol 3. */
export const CLIENT_VERSION_CODE = versionCode(1, 0, SANE_NET_PROTOCOL_VERSION);

export const RPC = {
  INIT: 0,
  GET_DEVICES: 1,
  OPEN: 2,
  CLOSE: 3,
  GET_OPTION_DESCRIPTORS: 4,
  CONTROL_OPTION: 5,
  GET_PARAMETERS: 6,
  START: 7,
  CANCEL: 8,
  AUTHORIZE: 9,
  EXIT: 10,
} as const;
export type RpcName = keyof typeof RPC;
export type RpcCode = (typeof RPC)[RpcName];

export const STATUS = {
  GOOD: 0,
  UNSUPPORTED: 1,
  CANCELLED: 2,
  DEVICE_BUSY: 3,
  INVAL: 4,
  EOF: 5,
  JAMMED: 6,
  NO_DOCS: 7,
  COVER_OPEN: 8,
  IO_ERROR: 9,
  NO_MEM: 10,
  ACCESS_DENIED: 11,
} as const;
export type StatusName = keyof typeof STATUS;

export const VALUE_TYPE = { BOOL: 0, INT: 1, FIXED: 2, STRING: 3, BUTTON: 4, GROUP: 5 } as const;
export type ValueTypeName = 'bool' | 'int' | 'fixed' | 'string' | 'button' | 'group';
export const VALUE_TYPE_NAMES: readonly ValueTypeName[] = ['bool', 'int', 'fixed', 'string', 'button', 'group'];

export const UNIT = { NONE: 0, PIXEL: 1, BIT: 2, MM: 3, DPI: 4, PERCENT: 5, MICROSECOND: 6 } as const;
export type UnitName = 'none' | 'pixel' | 'bit' | 'mm' | 'dpi' | 'percent' | 'microsecond';
export const UNIT_NAMES: readonly UnitName[] = ['none', 'pixel', 'bit', 'mm', 'dpi', 'percent', 'microsecond'];

export const CONSTRAINT = { NONE: 0, RANGE: 1, WORD_LIST: 2, STRING_LIST: 3 } as const;

export const CAP = {
  SOFT_SELECT: 1 << 0,
  HARD_SELECT: 1 << 1,
  SOFT_DETECT: 1 << 2,
  EMULATED: 1 << 3,
  AUTOMATIC: 1 << 4,
  INACTIVE: 1 << 5,
  ADVANCED: 1 << 6,
} as const;

export const ACTION = { GET_VALUE: 0, SET_VALUE: 1, SET_AUTO: 2 } as const;
export type ActionCode = (typeof ACTION)[keyof typeof ACTION];

export const INFO = { INEXACT: 1 << 0, RELOAD_OPTIONS: 1 << 1, RELOAD_PARAMS: 1 << 2 } as const;

export const FRAME = { GRAY: 0, RGB: 1, RED: 2, GREEN: 3, BLUE: 4 } as const;
export type FrameName = 'gray' | 'rgb' | 'red' | 'green' | 'blue';
export const FRAME_NAMES: readonly FrameName[] = ['gray', 'rgb', 'red', 'green', 'blue'];

export const BYTE_ORDER = { LITTLE_ENDIAN: 0x1234, BIG_ENDIAN: 0x4321 } as const;

/** Record length that ends the data stream; saned follows it with one status byte. */
export const DATA_END_MARKER = 0xffffffff;

/** Well-known option names (saneopts.h). */
export const OPTION_NAME = {
  resolution: 'resolution',
  xResolution: 'x-resolution',
  yResolution: 'y-resolution',
  mode: 'mode',
  source: 'source',
  depth: 'depth',
  tlX: 'tl-x',
  tlY: 'tl-y',
  brX: 'br-x',
  brY: 'br-y',
  pageWidth: 'page-width',
  pageHeight: 'page-height',
  preview: 'preview',
} as const;
