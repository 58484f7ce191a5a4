import { describe, expect, it } from 'vitest';
import {
  BAUD_PARA,
  COMMANDS,
  FRAMES,
  baudFromPara,
  encodeCommand,
  encodeSetBaud,
  encodeSetMaxRfFrame,
  identifyCommand,
} from '../../../../drivers/id-card/protocol/commands.js';
import { DeviceError } from '../../../../drivers/device.js';
import { COMMAND_FRAMES, SET_BAUD_FRAMES, SET_MAX_RF_FRAME_80, toHex } from '../../../fixtures/id-card/frames.js';

describe('SAM commands', () => {
  for (const [name, text] of Object.entries(COMMAND_FRAMES) as [keyof typeof COMMAND_FRAMES, string][]) {
    it(`${name} encodes to the fact-sheet frame ${text}`, () => {
      expect(toHex(encodeCommand(name))).toBe(text);
      expect(toHex(FRAMES[name])).toBe(text);
    });
  }

  it('set baud 115200 and 9600 match the fact sheet', () => {
    expect(toHex(encodeSetBaud(115200))).toBe(SET_BAUD_FRAMES[115200]);
    expect(toHex(encodeSetBaud(9600))).toBe(SET_BAUD_FRAMES[9600]);
    expect(BAUD_PARA).toEqual({ 115200: 0, 57600: 1, 38400: 2, 19200: 3, 9600: 4 });
    expect(baudFromPara(2)).toBe(38400);
    expect(baudFromPara(9)).toBeUndefined();
  });

  it('rejects a baud rate the SAM does not know with a typed error', () => {
    expect(() => encodeSetBaud(4800 as never)).toThrow(DeviceError);
  });

  it('set max RF frame 80 matches the fact sheet and range-checks', () => {
    expect(toHex(encodeSetMaxRfFrame(80))).toBe(SET_MAX_RF_FRAME_80);
    expect(() => encodeSetMaxRfFrame(0)).toThrow(DeviceError);
    expect(() => encodeSetMaxRfFrame(256)).toThrow(DeviceError);
  });

  it('identifies every command from CMD/PARA', () => {
    for (const [name, c] of Object.entries(COMMANDS)) expect(identifyCommand(c.cmd, c.para)).toBe(name);
    expect(identifyCommand(0x60, 0x03)).toBe('setBaud');
    expect(identifyCommand(0x99, 0x99)).toBeUndefined();
    expect(COMMANDS.readChipManagementNo).toEqual({ cmd: 0x30, para: 0x05 });
  });
});
