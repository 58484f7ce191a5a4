/**
 * Every command of the SAM_A business-terminal interface (fact sheet §1) as named constants and encoders.
 */
import { DeviceError } from '../../device.js';
import { encodeRequest } from './frame.js';

export interface CommandCode {
  readonly cmd: number;
  readonly para: number;
}

export const COMMANDS = {
  /** 复位: reset SAM. */
  reset: { cmd: 0x10, para: 0xff },
  /** 状态检测: SAM status check. */
  samStatus: { cmd: 0x11, para: 0xff },
  /** Read SAM management info (SAM ID, 16 bytes). */
  samId: { cmd: 0x12, para: 0xff },
  /** 寻卡: find card (9F + 4 bytes, or 80 = no card). */
  findCard: { cmd: 0x20, para: 0x01 },
  /** 选卡: select card (90 + 8 bytes). */
  selectCard: { cmd: 0x20, para: 0x02 },
  /** 读基本信息: text + photo (90 + TXT_LEN PHOTO_LEN text photo). */
  readText: { cmd: 0x30, para: 0x01 },
  /** Text + photo + fingerprint (90 + TXT_LEN PHOTO_LEN FP_LEN …). */
  readWithFingerprint: { cmd: 0x30, para: 0x10 },
  /** 追加住址: latest additional address (reply layout UNVERIFIED; 91 = none). */
  readAdditionalAddress: { cmd: 0x30, para: 0x03 },
  /** Card chip management number (libsamv PARA_MID; reply meaning UNVERIFIED). */
  readChipManagementNo: { cmd: 0x30, para: 0x05 },
  /** Set max RF frame bytes: 61 FF + 1 data byte. */
  setMaxRfFrame: { cmd: 0x61, para: 0xff },
} as const satisfies Record<string, CommandCode>;

export type CommandName = keyof typeof COMMANDS;

/** Set UART baud: 60 00..04. */
export const SET_BAUD_CMD = 0x60;
export const BAUD_PARA = { 115200: 0x00, 57600: 0x01, 38400: 0x02, 19200: 0x03, 9600: 0x04 } as const;
export type BaudRate = keyof typeof BAUD_PARA;

export const FRAMES = {
  reset: encodeRequest(0x10, 0xff),
  samStatus: encodeRequest(0x11, 0xff),
  samId: encodeRequest(0x12, 0xff),
  findCard: encodeRequest(0x20, 0x01),
  selectCard: encodeRequest(0x20, 0x02),
  readText: encodeRequest(0x30, 0x01),
  readWithFingerprint: encodeRequest(0x30, 0x10),
  readAdditionalAddress: encodeRequest(0x30, 0x03),
  readChipManagementNo: encodeRequest(0x30, 0x05),
} as const;

/** Encodes a command without data (everything except set-baud and set-max-RF-frame). */
export function encodeCommand(name: Exclude<CommandName, 'setMaxRfFrame'>): Uint8Array {
  const c = COMMANDS[name];
  return encodeRequest(c.cmd, c.para);
}

export function encodeSetBaud(baud: BaudRate): Uint8Array {
  const para = BAUD_PARA[baud] as number | undefined;
  if (para === undefined) throw new DeviceError('id-card', 'invalid-data', `unsupported baud rate ${String(baud)}`, 'maintenance');
  return encodeRequest(SET_BAUD_CMD, para);
}

export function baudFromPara(para: number): BaudRate | undefined {
  for (const [baud, p] of Object.entries(BAUD_PARA)) if (p === para) return Number(baud) as BaudRate;
  return undefined;
}

/** Max RF frame bytes (seen in one code base only, e.g. 80 = 0x50). */
export function encodeSetMaxRfFrame(bytes: number): Uint8Array {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 255) {
    throw new DeviceError('id-card', 'invalid-data', `max RF frame must be 1..255, got ${bytes}`, 'maintenance');
  }
  return encodeRequest(COMMANDS.setMaxRfFrame.cmd, COMMANDS.setMaxRfFrame.para, Uint8Array.of(bytes));
}

export type KnownCommand = CommandName | 'setBaud';

/** Names a request (simulator side); undefined for an unknown CMD/PARA. */
export function identifyCommand(cmd: number, para: number): KnownCommand | undefined {
  if (cmd === SET_BAUD_CMD) return 'setBaud';
  for (const [name, c] of Object.entries(COMMANDS) as [CommandName, CommandCode][]) {
    if (c.cmd === cmd && c.para === para) return name;
  }
  return undefined;
}
